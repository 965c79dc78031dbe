/**
 * A run's model budget as the engine enforces it: the budget an agent is checked against before
 * it starts, the hold (a generated approval) that parks it when the run has spent the budget, and
 * the raise an approved hold gives. The spending itself is usage.ts's ledger.
 */

import {
  BUDGET_EXHAUSTED,
  type Budget,
  budgetLeft,
  budgetQuestion,
  budgetReached,
  raiseBudget,
} from "../../core/agents/budget";
import { kindOf } from "../../core/kinds/registry";
import type { Command } from "../../core/scheduler/commands";
import type { ApprovalBook } from "./approvals";
import type { Loaded } from "./context";
import type { RunStorage } from "./host";
import type { Pending } from "./pending";
import type { RunStore } from "./store";
import type { UsageLedger } from "./usage";

/** A run's model budget: what it was created with, and what approvals raised it to. */
export interface BudgetState {
  original: Budget;
  current: Budget;
}

/** What the engine lends this module. */
export interface BudgetHost {
  storage: RunStorage;
  now(): number;
  store: RunStore;
  approvals: ApprovalBook;
  usage: UsageLedger;
  run(): Loaded;
  /** Queues a signal for the pump. */
  push(pending: Pending): void;
}

export class BudgetHold {
  constructor(private readonly host: BudgetHost) {}

  state(): BudgetState | null {
    return this.host.store.getMeta<BudgetState>("budget") ?? null;
  }

  /**
   * Before an agent starts: if the run has spent its budget, park the node behind a generated
   * approval instead of dispatching it.
   */
  holds(command: Extract<Command, { type: "execute" }>): boolean {
    const run = this.host.run();
    const node = run.ir.nodes[run.ir.byId[command.nodeId]!]!;
    if (!kindOf(node.type)?.traits.model) return false;
    const budget = this.state();
    const spent = this.host.usage.spent();
    const reached = budget ? budgetReached(spent, budget.current) : null;
    if (!budget || !reached) return false;
    this.hold(command.nodeId, command.attempt, budget, reached);
    return true;
  }

  /** What an agent dispatched now may spend (its job carries it), or null with no budget. */
  left(): Budget | null {
    const budget = this.state();
    return budget ? budgetLeft(this.host.usage.spent(), budget.current) : null;
  }

  /**
   * An agent that ran out of budget while it ran (`budget_exhausted`, workers/runner/agent.ts):
   * its spending is recorded and the node is held as if the budget had run out before it
   * started; approving starts a new attempt. A stale report (not the running attempt) is left
   * to the scheduler, which ignores it.
   */
  holdsExhausted(item: Pending): boolean {
    const signal = item.signal;
    if (signal.type !== "result" || signal.outcome.ok) return false;
    if (signal.outcome.error.code !== BUDGET_EXHAUSTED) return false;
    const budget = this.state();
    const st = this.host.run().state.nodes[signal.nodeId];
    const open = st?.status === "queued" || st?.status === "running";
    if (!budget || !open || st.attempt !== signal.attempt) return false;
    if (item.usage) {
      const usage = item.usage;
      this.host.storage.transactionSync(() =>
        this.host.usage.record(signal.nodeId, signal.attempt, usage),
      );
    }
    const reached = budgetReached(this.host.usage.spent(), budget.current) ?? "tokens";
    this.hold(signal.nodeId, signal.attempt, budget, reached);
    return true;
  }

  private hold(nodeId: string, attempt: number, budget: BudgetState, reached: string): void {
    const spent = this.host.usage.spent();
    const message = budgetQuestion(spent, budget.current, budget.original);
    const createdAt = this.host.now();
    this.host.storage.transactionSync(() =>
      this.host.approvals.open({ nodeId, attempt, message, required: 1, createdAt }),
    );
    this.host.push({
      signal: {
        type: "hold",
        nodeId,
        attempt,
        data: { message, reached, spent, budget: budget.current, more: budget.original },
      },
    });
  }

  /**
   * Approving a budget hold raises the budget by its original size before the agent starts
   * again. Runs inside the transaction that records the deciding vote.
   */
  raise(): void {
    const budget = this.state();
    if (budget) {
      this.host.store.setMeta("budget", {
        ...budget,
        current: raiseBudget(budget.current, budget.original),
      });
    }
  }
}
