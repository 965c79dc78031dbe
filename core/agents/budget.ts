import { z } from "zod";
import { roundUsd, totalTokens, type Usage } from "./usage";

/** What a run may spend on models. Either limit, or both; none = unlimited. */
export const Budget = z
  .strictObject({
    tokens: z.number().int().min(1).max(1_000_000_000).optional(),
    costUsd: z.number().positive().max(1_000_000).optional(),
  })
  .refine((b) => b.tokens !== undefined || b.costUsd !== undefined, {
    message: "a budget needs tokens, costUsd or both",
  });
export type Budget = z.infer<typeof Budget>;

/** Which limit the run has reached, or null while it may go on spending. */
export function budgetReached(spent: Usage, budget: Budget | null): "tokens" | "costUsd" | null {
  if (!budget) return null;
  if (budget.tokens !== undefined && totalTokens(spent) >= budget.tokens) return "tokens";
  // A model without a price makes the cost unknown: a cost budget then asks before every agent.
  if (budget.costUsd !== undefined && (spent.costUsd === null || spent.costUsd >= budget.costUsd)) {
    return "costUsd";
  }
  return null;
}

/**
 * What a run may still spend: each limit less what is spent (never below 0). An agent gets this
 * with its job and stops when its own spending reaches it (`budgetReached(used, left)`).
 * @example
 * budgetLeft({ ...ZERO_USAGE, promptTokens: 30, completionTokens: 10 }, { tokens: 100 }); // { tokens: 60 }
 */
export function budgetLeft(spent: Usage, budget: Budget): Budget {
  const left: Budget = {};
  if (budget.tokens !== undefined) left.tokens = Math.max(0, budget.tokens - totalTokens(spent));
  // An unknown cost so far (an unpriced model) is asked about before each agent instead.
  if (budget.costUsd !== undefined && spent.costUsd !== null) {
    left.costUsd = Math.max(0, roundUsd(budget.costUsd - spent.costUsd));
  }
  return left;
}

/**
 * Which limit an agent's own spending has reached, given what its run had left when it started.
 * A call of unknown cost (an unpriced model) does not count against a cost limit here.
 */
export function spentPast(used: Usage, left: Budget): "tokens" | "costUsd" | null {
  if (left.tokens !== undefined && totalTokens(used) >= left.tokens) return "tokens";
  if (left.costUsd !== undefined && used.costUsd !== null && used.costUsd >= left.costUsd) {
    return "costUsd";
  }
  return null;
}

/** The error an agent ends with when its run's budget runs out during it (the run then holds). */
export const BUDGET_EXHAUSTED = "budget_exhausted";

/** Approving a budget hold raises each limit by its original size. */
export function raiseBudget(current: Budget, original: Budget): Budget {
  const next: Budget = {};
  if (current.tokens !== undefined) next.tokens = current.tokens + (original.tokens ?? 0);
  if (current.costUsd !== undefined) {
    next.costUsd = roundUsd(current.costUsd + (original.costUsd ?? 0));
  }
  return next;
}

/** The question a budget hold asks. */
export function budgetQuestion(spent: Usage, current: Budget, original: Budget): string {
  const parts: string[] = [];
  if (original.tokens !== undefined) {
    parts.push(`${original.tokens} more tokens (spent ${totalTokens(spent)} of ${current.tokens})`);
  }
  if (original.costUsd !== undefined) {
    parts.push(
      spent.costUsd === null
        ? `$${original.costUsd} more (the cost so far is unknown: a model used has no price in AOB_MODEL_PRICES)`
        : `$${original.costUsd} more (spent $${spent.costUsd.toFixed(6)} of $${current.costUsd})`,
    );
  }
  return `This run has reached its budget. Continue, spending up to ${parts.join(" and ")}?`;
}
