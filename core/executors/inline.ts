import { NonRetryableError } from "../errors";
import { ExpressionError } from "../expressions/jsonata";
import type { ExpressionLimits } from "../expressions/limits";
import type { InlineResult, InlineStep } from "../kinds/kind";
import { KINDS, type KindRegistry } from "../kinds/registry";
import type { RunContext } from "./context";

export type { InlineResult, InlineStep } from "../kinds/kind";

/**
 * Runs an inline kind (start, end, transform, condition, switch, join, or any kind that
 * declares `run`) against the context. Expression errors are the user's mistake:
 * non-retryable, with the node in the message and the ExpressionError's code
 * (`expression_error`, or a bound it hit: `expression_timeout`, ...).
 * @example
 * await runInline({ id: "t", type: "transform", config: { expression: "input.n + 1" } }, ctx);
 */
export async function runInline(
  step: InlineStep,
  ctx: RunContext,
  kinds: KindRegistry = KINDS,
): Promise<InlineResult> {
  const run = kinds.get(step.type)?.run;
  if (!run) {
    throw new NonRetryableError("not_inline", `node type "${step.type}" does not run inline`);
  }
  try {
    return await run(step, ctx, limitsOf(step.expressionTimeoutMs));
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

export function limitsOf(expressionTimeoutMs: number | undefined): ExpressionLimits {
  return expressionTimeoutMs === undefined ? {} : { timeoutMs: expressionTimeoutMs };
}
