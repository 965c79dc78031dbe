import { toNodeError } from "../errors";
import { outputProblem } from "../limits/output";
import type { Outcome } from "../scheduler/signals";
import type { RunContext } from "./context";
import { type InlineStep, runInline } from "./inline";

export interface FusedStep {
  id: string;
  type: string;
  config: Record<string, unknown>;
  expressionTimeoutMs?: number;
}

/** One node's result in a fused chain; `output` only on success. */
export interface FusedResult {
  nodeId: string;
  outcome: Outcome;
  output?: unknown;
}

/**
 * Runs a fused chain of pure steps (core/optimise/fuse.ts) in one go: the head, then each
 * follower against the context plus the outputs of the steps before it (each marked
 * `succeeded`, the step itself `running`, as the unfused run shows them). Stops after the first
 * failure. An output that cannot be stored (over `maxOutputBytes`, too deep: core/limits/output.ts) fails its node, as for any inline step. `between`
 * runs before each follower: the caller's chance to yield during a long chain.
 * @example
 * const results = await runFused(
 *   { id: "a", type: "transform", config: { expression: "1" } },
 *   [{ id: "b", type: "transform", config: { expression: "nodes.a.output + 1" } }],
 *   ctx,
 *   1024 * 1024,
 * );
 * // [{ nodeId: "a", outcome: { ok: true, port: null }, output: 1 }, { nodeId: "b", ..., output: 2 }]
 */
export async function runFused(
  head: InlineStep,
  followers: readonly FusedStep[],
  ctx: RunContext,
  maxOutputBytes: number,
  between: () => Promise<void> | void = () => {},
): Promise<FusedResult[]> {
  const nodes = { ...ctx.nodes };
  const context: RunContext = { ...ctx, nodes };
  const results: FusedResult[] = [];
  const steps: InlineStep[] = [head, ...followers];
  for (const [k, step] of steps.entries()) {
    if (k > 0) {
      await between();
      nodes[step.id] = { ...nodes[step.id], status: "running" };
    }
    try {
      const result = await runInline(step, context);
      const problem = outputProblem(result.output, maxOutputBytes);
      if (problem) {
        results.push({ nodeId: step.id, outcome: { ok: false, error: problem } });
        return results;
      }
      results.push({
        nodeId: step.id,
        outcome: { ok: true, port: result.port },
        output: result.output,
      });
      nodes[step.id] = { status: "succeeded", output: result.output };
    } catch (err) {
      results.push({ nodeId: step.id, outcome: { ok: false, error: toNodeError(err) } });
      return results;
    }
  }
  return results;
}
