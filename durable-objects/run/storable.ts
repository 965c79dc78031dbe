/**
 * A result whose output the run cannot store fails its node rather than the step that would
 * store it: checked before the step (`refuseUnstorable`), and, should storage still refuse a
 * write, the step is taken again with the node failed (`failUnstored`). Either way the signal
 * is not lost, the runner's report is answered, and the object and every other run go on.
 */

import type { NodeError } from "../../core/errors";
import { outputProblem } from "../../core/limits/output";
import type { Pending } from "./pending";

/** Fails the result's node (or the first member of a fused chain) whose output cannot be stored. */
export function refuseUnstorable(item: Pending): void {
  const signal = item.signal;
  if (signal.type !== "result" && signal.type !== "item_result") return;
  if (!signal.outcome.ok) return;
  if (item.output !== undefined) {
    const problem = outputProblem(item.output);
    if (problem) {
      failed(item, problem);
      return;
    }
  }
  if (signal.type !== "result" || !signal.chain || !item.outputs) return;
  const at = signal.chain.findIndex(
    (link) => link.outcome.ok && outputProblem(item.outputs![link.nodeId]) !== null,
  );
  if (at < 0) return;
  // A fused chain stops at its first failure (core/executors/fused.ts): so does this one.
  const link = signal.chain[at]!;
  const problem = outputProblem(item.outputs[link.nodeId])!;
  for (const later of signal.chain.slice(at)) delete item.outputs[later.nodeId];
  signal.chain = [
    ...signal.chain.slice(0, at),
    { nodeId: link.nodeId, outcome: { ok: false, error: problem } },
  ];
}

/**
 * The same result again with its node failed, after storage refused the step that carried its
 * output; null when the item carries no output to blame (the step's failure is then the caller's).
 */
export function failUnstored(item: Pending, err: unknown): Pending | null {
  const signal = item.signal;
  if (signal.type !== "result" && signal.type !== "item_result") return null;
  if (!signal.outcome.ok || (item.output === undefined && item.outputs === undefined)) return null;
  const retry: Pending = { ...item, signal: { ...signal } };
  failed(retry, {
    code: "output_not_storable",
    message: `the run could not store this node's output: ${err instanceof Error ? err.message : String(err)}`,
    retryable: false,
  });
  return retry;
}

function failed(item: Pending, error: NodeError): void {
  const signal = item.signal;
  if (signal.type !== "result" && signal.type !== "item_result") return;
  signal.outcome = { ok: false, error };
  if (signal.type === "result") delete signal.chain;
  delete item.output;
  delete item.outputs;
}
