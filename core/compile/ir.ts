import type { RetryPolicy } from "../workflow/definition";

/** Bumped whenever the IR's shape changes; stored IRs of another version are recompiled. */
export const IR_VERSION = 1;

/**
 * How the RunObject executes a node:
 * - `inline`: evaluated in the DO (pure kinds, and http nodes with a short timeout);
 * - `queued`: sent to the runner over the queue, with a lease;
 * - `wait`: parked until a timer (delay) or a person;
 * - `skip`: unknown kind, skipped with a warning.
 */
export type DispatchMode = "inline" | "queued" | "wait" | "skip";

export interface IRStep {
  type: string;
  config: Record<string, unknown>;
  retry: RetryPolicy;
  timeoutMs: number;
  mode: DispatchMode;
}

export interface IRNode extends IRStep {
  id: string;
  index: number;
  join: "all" | "any";
  /** Outcome ports besides `error`. */
  ports: string[];
  /** Incoming and outgoing edge indexes. */
  in: number[];
  out: number[];
  /** Parallel level: nodes on one level have no forward path between them. */
  level: number;
  /** The per-item step of a map node. */
  body?: IRStep;
}

export interface IREdge {
  index: number;
  from: string;
  to: string;
  /** Port of `from`; null = any success port. */
  on: string | null;
  /** Max iterations for a back edge; null for a forward edge. */
  loop: number | null;
}

export interface IR {
  irVersion: typeof IR_VERSION;
  name: string;
  start: string;
  nodes: IRNode[];
  edges: IREdge[];
  /** Node id -> index in `nodes`. */
  byId: Record<string, number>;
  /** Loop edge index -> the nodes one iteration re-runs (target ... source). */
  loopBodies: Record<number, string[]>;
}
