import type { McpUse } from "../kinds/agent-tools";
import type { RetryPolicy } from "../workflow/definition";

/** Bumped whenever the IR's shape changes; stored IRs of another version are recompiled. */
export const IR_VERSION = 3;

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
  /** Budget of each evaluation of the step's expressions (NodeSpec.expressionTimeoutMs or 100). */
  expressionTimeoutMs: number;
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

  // ---- set by the optimiser (core/optimise, docs/OPTIMISER.md); absent when unoptimised ----

  /** Estimated start (ms after the run starts) and slack; slack 0 = on the critical path. */
  plan?: NodePlan;
  /** The node will not run: it is skipped with this reason (a pruned branch or a dead node). */
  omit?: Omission;
  /** Head of a fused chain: these transforms run right after it, in this order, in one step. */
  fused?: string[];
  /** A fused transform: it runs inside the chain headed by this node. */
  fusedInto?: string;
  /** An idempotent GET: identical requests (after rendering) in flight in one run share one. */
  coalesce?: string;
  /** A deterministic node whose output may be reused from an earlier run (semantic cache). */
  cache?: CacheSpec;
}

/** Names of the optimiser's passes, in the order they run. */
export type PassName =
  | "absorb_conditions"
  | "eliminate_dead"
  | "fuse_transforms"
  | "coalesce_http"
  | "cache_keys"
  | "schedule";

/** One change the optimiser made, with the reason a person reads in the run view. */
export interface Rewrite {
  pass: PassName;
  /** The nodes it is about; the first is the one it centres on. */
  nodes: string[];
  reason: string;
  /** Pass-specific facts, e.g. `{ expression: { from, to } }` for an absorbed condition. */
  detail?: Record<string, unknown>;
}

export interface Omission {
  pass: "absorb_conditions" | "eliminate_dead";
  reason: string;
}

export interface NodePlan {
  /** Earliest start under the optimiser's cost model (ms after the run starts). */
  earliestMs: number;
  /** How much later the node could start without delaying the run; 0 = critical. */
  slackMs: number;
}

export interface CacheSpec {
  ttlSeconds: number;
  /**
   * Context paths whose values are part of the key besides the rendered config (transforms:
   * what the expression reads, e.g. `input`, `nodes.fetch`); empty when the rendered config
   * already holds every input (http, agent).
   */
  inputs: string[];
  /**
   * An agent using these MCP servers: the run looks its answer up (and stores it) only while
   * none of the tools the node may call is registered as having effects.
   */
  unlessMcpEffects?: McpUse[];
}

/** The run as a whole under the optimiser's cost model. */
export interface RunPlan {
  /** Estimated duration of the longest path (ms). */
  makespanMs: number;
  /** The longest path, start first. */
  criticalPath: string[];
  /** Number of parallel levels and the size of the widest one. */
  levels: number;
  widest: number;
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
  /** What the optimiser changed and why (empty when compiled without it). */
  rewrites: Rewrite[];
  plan?: RunPlan;
  /** Which kernels ran the graph analyses, and which passes ran. */
  optimiser?: { kernels: "wasm" | "typescript"; passes: PassName[] };
  /** The definition's `timeoutSeconds`, in ms: the run fails past it. */
  deadlineMs?: number;
}
