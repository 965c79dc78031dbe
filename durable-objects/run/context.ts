import type { IR } from "../../core/compile/ir";
import type { RunContext } from "../../core/executors/context";
import type { RunState } from "../../core/scheduler/state";
import type { RunMeta, RunStore } from "./store";

/** The run as the engine holds it in memory; `context` is kept in step with `state`. */
export interface Loaded {
  meta: RunMeta;
  ir: IR;
  state: RunState;
  context: RunContext;
}

/** Builds the expression context from storage (on wake); afterwards it is kept up to date in memory. */
export function buildContext(
  meta: RunMeta,
  ir: IR,
  input: unknown,
  state: RunState,
  store: RunStore,
): RunContext {
  const nodes: RunContext["nodes"] = {};
  for (const n of ir.nodes) nodes[n.id] = { status: state.nodes[n.id]?.status ?? "pending" };
  for (const o of store.outputs()) {
    const entry = nodes[o.nodeId];
    if (entry) entry.output = JSON.parse(o.json) as unknown;
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
