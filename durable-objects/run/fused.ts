import type { IR, IRNode } from "../../core/compile/ir";
import type { RunContext } from "../../core/executors/context";
import { runFused } from "../../core/executors/fused";
import type { Signal } from "../../core/scheduler/signals";
import { Slice } from "./slice";

/**
 * Executes the head of a fused chain (core/optimise/fuse.ts) and turns the chain's results into
 * one `result` signal for the head that carries its followers' results (`chain`), with every
 * node's output, so the engine records each node's own output from that one step.
 */
export async function executeFusedChain(
  ir: IR,
  head: IRNode,
  attempt: number,
  context: RunContext,
  firedFrom: string[],
  maxOutputBytes: number,
): Promise<{
  signal: Extract<Signal, { type: "result" }> extends infer S ? Omit<S, "now"> : never;
  output?: unknown;
  outputs: Record<string, unknown>;
  /** The IR the chain was evaluated under (see dropStaleChain). */
  ir: IR;
}> {
  const followers = (head.fused ?? []).map((id) => {
    const node = ir.nodes[ir.byId[id]!]!;
    return {
      id,
      type: node.type,
      config: node.config,
      expressionTimeoutMs: node.expressionTimeoutMs,
    };
  });
  const slice = new Slice();
  const [first, ...rest] = await runFused(
    {
      id: head.id,
      type: head.type,
      config: head.config,
      firedFrom,
      expressionTimeoutMs: head.expressionTimeoutMs,
    },
    followers,
    context,
    maxOutputBytes,
    // Like the pump (slice.ts): a long chain lets RPC answers and frames out as it goes.
    () => (slice.due() ? slice.yield() : undefined),
  );
  const outputs: Record<string, unknown> = {};
  for (const r of rest) if (r.output !== undefined) outputs[r.nodeId] = r.output;
  const signal = {
    type: "result" as const,
    nodeId: head.id,
    attempt,
    outcome: first!.outcome,
    chain: rest.map((r) => ({ nodeId: r.nodeId, outcome: r.outcome })),
  };
  return first!.output === undefined
    ? { signal, outputs, ir }
    : { signal, output: first!.output, outputs, ir };
}

/**
 * A chain evaluated under an IR that has since been replaced (a runtime patch recompiled the
 * graph while the head ran) may hold followers whose config changed: keep the head's own
 * result and let the followers run on their own, with the IR now in force.
 */
export function dropStaleChain(
  item: { signal: { type: string; chain?: unknown }; outputs?: unknown; ir?: IR },
  current: IR,
): void {
  if (!item.ir || item.ir === current || item.signal.type !== "result") return;
  delete item.signal.chain;
  delete item.outputs;
}
