import type { IR } from "../../core/compile/ir";
import type { RunContext } from "../../core/executors/context";
import type { RunState } from "../../core/scheduler/state";
import type { RunOutputs } from "./outputs";
import type { RunMeta } from "./store";

/** The run as the engine holds it in memory; `context` is kept in step with `state`. */
export interface Loaded {
  meta: RunMeta;
  ir: IR;
  state: RunState;
  context: RunContext;
}

/**
 * Builds the expression context (on wake, and after a reload); afterwards statuses are kept up
 * to date in memory, and outputs read through `outputs` (outputs.ts), never held here.
 */
export function buildContext(
  meta: RunMeta,
  ir: IR,
  input: unknown,
  state: RunState,
  outputs: RunOutputs,
): RunContext {
  const nodes: RunContext["nodes"] = {};
  for (const n of ir.nodes) {
    nodes[n.id] = outputs.entry(n.id, state.nodes[n.id]?.status ?? "pending");
  }
  return {
    input,
    nodes,
    run: {
      id: meta.runId,
      startedAt: new Date(meta.createdAt).toISOString(),
      workflowId: meta.workflowId,
      version: meta.version,
    },
  };
}
