/**
 * The engine's unit of work: a signal waiting in the pump's queue (engine.ts) and what travels
 * with it to the step that takes it; and how a runner's reported result becomes one.
 */

import type { IR } from "../../core/compile/ir";
import type { Outcome, Signal } from "../../core/scheduler/signals";
import type { OutputRef } from "../../core/wire/blob-ref";
import type { ExecuteJob } from "../../core/wire/node-job";
import type { NodeResult } from "../../core/wire/node-result";
import type { Swap } from "./runtime-patches";
import type { ExecutionUsage } from "./usage";

export type SignalBody = Signal extends infer S
  ? S extends Signal
    ? Omit<S, "now">
    : never
  : never;

export interface Pending {
  signal: SignalBody;
  /** The value an execution produced; stored only if the scheduler accepts the result. */
  output?: unknown;
  /** Instead of `output`: an output too large to carry, already in R2 (docs/PAYLOADS.md). */
  outputRef?: OutputRef;
  /** Model usage the execution reported (agents): recorded even if the result is a duplicate. */
  usage?: ExecutionUsage;
  /** A patch to swap in before this (`patched`) step: checked against live state first. */
  swap?: Swap;
  /** A fused chain's follower outputs by node id (durable-objects/run/fused.ts). */
  outputs?: Record<string, unknown>;
  /** Added to the node's success event: where a reused output came from (reuse.ts). */
  annotate?: Record<string, unknown>;
  /** The IR a fused chain was evaluated under (fused.ts dropStaleChain). */
  ir?: IR;
  /**
   * A runner that reported this result and can run more jobs now (eager dispatch): http jobs
   * this step makes runnable go to it, in the RPC answer, instead of through the queue.
   */
  eager?: EagerRoom;
  /** Why the result arrived: `eager` when its job was handed back in an RPC answer. */
  delivery?: "queue" | "eager";
  /** Settled once the step for this signal is committed (or could not be). */
  committed?: () => void;
  failed?: (err: unknown) => void;
}

/** Jobs one `complete` call may take back, shared by the results it reports. */
export interface EagerRoom {
  room: number;
  jobs: ExecuteJob[];
}

/** A runner's result as the pump takes it; `eager` is the room its report offered, if any. */
export function reported(r: NodeResult, eager: EagerRoom | undefined): Pending {
  const outcome: Outcome = r.outcome.ok
    ? { ok: true, port: r.outcome.port }
    : { ok: false, error: r.outcome.error };
  const output = r.outcome.ok ? r.outcome.output : undefined;
  const ref = r.outcome.ok && r.outcome.outputRef ? { outputRef: r.outcome.outputRef } : {};
  const usage = r.usage ? { usage: r.usage } : {};
  const via = {
    ...(eager ? { eager } : {}),
    ...(r.delivery ? { delivery: r.delivery } : {}),
  };
  if (r.index !== undefined) {
    return {
      signal: {
        type: "item_result",
        nodeId: r.nodeId,
        attempt: r.attempt,
        index: r.index,
        itemAttempt: r.itemAttempt ?? 1,
        outcome,
      },
      output,
      ...via,
    };
  }
  return {
    signal: {
      type: "result",
      nodeId: r.nodeId,
      attempt: r.attempt,
      outcome,
      startedAt: r.startedAt,
    },
    output,
    ...ref,
    ...usage,
    ...via,
  };
}
