import type { NodeError } from "../errors";

/** What an execution produced: a success on a port (null = default), or an error. */
export type Outcome = { ok: true; port: string | null } | { ok: false; error: NodeError };

/** One follower's result in a fused chain (core/optimise/fuse.ts). */
export interface ChainResult {
  nodeId: string;
  outcome: Outcome;
}

export type TimerKind = "lease" | "retry" | "wake" | "item_lease" | "item_retry" | "deadline";

export interface Timer {
  key: string;
  kind: TimerKind;
  at: number;
  nodeId: string;
  attempt: number;
  index?: number;
  itemAttempt?: number;
}

/** Inputs to the scheduler. Every signal carries the time it is processed at. */
export type Signal =
  | { type: "start"; now: number }
  | {
      type: "result";
      nodeId: string;
      attempt: number;
      outcome: Outcome;
      now: number;
      /** When the executor began (queued nodes report it with their result). */
      startedAt?: number;
      /** A fused chain's followers, in order: their results, applied in the same step. */
      chain?: ChainResult[];
    }
  /**
   * A wait-mode node parks: a delay until a time, an approval until decided (or `until`, its
   * timeout; null = no timeout), a sub-workflow until its child run ends, a wait node until an
   * event arrives (`until`: its timeout); the child's end or the event then comes as a `result`. `data` goes into the `approval_required` or `node_waiting` event.
   */
  | {
      type: "wait";
      nodeId: string;
      attempt: number;
      until: number | null;
      reason?: "delay" | "approval" | "child" | "event";
      data?: Record<string, unknown>;
      now: number;
    }
  /** People decided an approval (the RunObject applies the quorum rule first). */
  | {
      type: "decide";
      nodeId: string;
      attempt: number;
      port: "approved" | "rejected";
      data?: Record<string, unknown>;
      now: number;
    }
  /** A map node's list was evaluated. */
  | { type: "items"; nodeId: string; attempt: number; count: number; now: number }
  | {
      type: "item_result";
      nodeId: string;
      attempt: number;
      index: number;
      itemAttempt: number;
      outcome: Outcome;
      now: number;
    }
  | { type: "timer"; timer: Timer; now: number }
  /**
   * The RunObject swapped in a patched IR and rebased the state onto it (core/patches): resolve
   * new edges whose source has settled, then re-evaluate the nodes the patch touched.
   */
  | { type: "patched"; addedEdges: number[]; touched: string[]; now: number }
  /**
   * Park a queued or running node until people decide (a run out of budget before an agent):
   * approve starts a new attempt, reject fails it with `budget_rejected`.
   */
  | {
      type: "hold";
      nodeId: string;
      attempt: number;
      data?: Record<string, unknown>;
      now: number;
    }
  | { type: "cancel"; now: number; reason?: string };
