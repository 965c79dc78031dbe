import { NonRetryableError } from "../errors";
import { ExpressionError, evaluateExpression } from "../expressions/jsonata";
import type { ExpressionLimits } from "../expressions/limits";
import { renderTemplates } from "../expressions/template";
import type { RunContext } from "./context";

export interface InlineResult {
  output: unknown;
  /** Outcome port; null = the default success port. */
  port: string | null;
}

export interface InlineStep {
  id: string;
  type: string;
  config: Record<string, unknown>;
  /** Ids of the nodes whose edges into this one fired (for join). */
  firedFrom?: string[];
  /** Budget of each evaluation of the step's expressions, ms (IRStep.expressionTimeoutMs). */
  expressionTimeoutMs?: number;
}

/**
 * Runs a pure kind (start, end, transform, condition, switch, join) against the context.
 * Expression errors are the user's mistake: non-retryable, with the node in the message and the
 * ExpressionError's code (`expression_error`, or a bound it hit: `expression_timeout`, ...).
 * @example
 * await runInline({ id: "t", type: "transform", config: { expression: "input.n + 1" } }, ctx);
 */
export async function runInline(step: InlineStep, ctx: RunContext): Promise<InlineResult> {
  const limits = limitsOf(step.expressionTimeoutMs);
  try {
    switch (step.type) {
      case "start":
        return { output: ctx.input ?? null, port: null };
      case "end":
        return {
          output: await renderTemplates(step.config.output ?? null, ctx, limits),
          port: null,
        };
      case "transform":
        return { output: await evaluate(step.config.expression, ctx, limits), port: null };
      case "condition": {
        const value = await evaluate(step.config.expression, ctx, limits);
        return { output: Boolean(value), port: value ? "true" : "false" };
      }
      case "switch": {
        const value = await evaluate(step.config.expression, ctx, limits);
        const text = typeof value === "string" ? value : JSON.stringify(value);
        const cases = (step.config.cases as string[] | undefined) ?? [];
        return { output: value, port: cases.includes(text) ? text : "default" };
      }
      case "join": {
        const output: Record<string, unknown> = {};
        for (const id of step.firedFrom ?? []) output[id] = ctx.nodes[id]?.output ?? null;
        return { output, port: null };
      }
      default:
        throw new NonRetryableError("not_inline", `node type "${step.type}" does not run inline`);
    }
  } catch (thrown) {
    if (thrown instanceof ExpressionError) {
      throw new NonRetryableError(
        thrown.code,
        `node "${step.id}": ${thrown.message}${thrown.position === undefined ? "" : ` (at character ${thrown.position})`}`,
      );
    }
    throw thrown;
  }
}

/** Evaluates a map node's `items` expression; anything but a list is a user error. */
export async function evaluateItems(
  id: string,
  config: Record<string, unknown>,
  ctx: RunContext,
  expressionTimeoutMs?: number,
): Promise<unknown[]> {
  let value: unknown;
  try {
    value = await evaluate(config.items, ctx, limitsOf(expressionTimeoutMs));
  } catch (thrown) {
    if (thrown instanceof ExpressionError) {
      throw new NonRetryableError(thrown.code, `node "${id}" items: ${thrown.message}`);
    }
    throw thrown;
  }
  if (value === null) return [];
  if (!Array.isArray(value)) {
    throw new NonRetryableError(
      "map_items_not_a_list",
      `node "${id}": items evaluated to ${typeof value}, expected a list`,
    );
  }
  return value;
}

/** When a delay node wakes: `seconds` from now, or the `until` time. */
export async function delayUntil(
  id: string,
  config: Record<string, unknown>,
  ctx: RunContext,
  now: number,
  expressionTimeoutMs?: number,
): Promise<number> {
  const rendered = (await renderTemplates(config, ctx, limitsOf(expressionTimeoutMs))) as {
    seconds?: unknown;
    until?: unknown;
  };
  if (rendered.until !== undefined) {
    const at = Date.parse(String(rendered.until));
    if (Number.isNaN(at)) {
      throw new NonRetryableError(
        "invalid_time",
        `node "${id}": until "${rendered.until}" is not a time`,
      );
    }
    return at;
  }
  const seconds = Number(rendered.seconds);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new NonRetryableError("invalid_duration", `node "${id}": seconds must be a number >= 0`);
  }
  return now + seconds * 1000;
}

function evaluate(
  expression: unknown,
  ctx: RunContext,
  limits: ExpressionLimits,
): Promise<unknown> {
  return evaluateExpression(String(expression), ctx, limits);
}

function limitsOf(expressionTimeoutMs: number | undefined): ExpressionLimits {
  return expressionTimeoutMs === undefined ? {} : { timeoutMs: expressionTimeoutMs };
}
