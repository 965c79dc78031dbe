import { z } from "zod";
import { Budget } from "../agents/budget";
import { MAX_EXPRESSION_TIMEOUT_MS } from "../expressions/limits";

/** Stable node identifier: what edges, expressions and patches refer to. */
export const NodeId = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,62}$/,
    "must start with a lowercase letter and contain only a-z, 0-9 and _ (at most 63 characters)",
  );
export type NodeId = z.infer<typeof NodeId>;

export const RetryPolicy = z.strictObject({
  maxAttempts: z.number().int().min(1).max(20),
  backoff: z.enum(["exponential", "fixed"]).default("exponential"),
  initialDelayMs: z.number().int().min(0).max(3_600_000).default(500),
  maxDelayMs: z.number().int().min(0).max(86_400_000).default(60_000),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

export const NodeSpec = z.strictObject({
  id: NodeId,
  /** A kind from the registry. Unknown kinds are accepted and skipped at run time. */
  type: z.string().min(1).max(64),
  name: z.string().max(200).optional(),
  config: z.record(z.string(), z.unknown()).default({}),
  retry: RetryPolicy.optional(),
  timeoutMs: z.number().int().min(1).max(86_400_000).optional(),
  /**
   * Time budget of each evaluation of this node's expressions and templates, ms (default 100,
   * at most 1000): past it the node fails with `expression_timeout` (core/expressions/limits.ts).
   */
  expressionTimeoutMs: z
    .number()
    .int()
    .min(1)
    .max(MAX_EXPRESSION_TIMEOUT_MS, `must be at most ${MAX_EXPRESSION_TIMEOUT_MS} ms`)
    .optional(),
  /** How several incoming edges combine: all resolved with one fired (default), or first fired. */
  join: z.enum(["all", "any"]).default("all"),
});
export type NodeSpec = z.infer<typeof NodeSpec>;

export const LoopSpec = z.strictObject({
  maxIterations: z.number().int().min(1).max(10_000),
});

export const EdgeSpec = z.strictObject({
  from: NodeId,
  to: NodeId,
  /** Outcome port of `from`: true/false, a switch case, approved/rejected/timeout, or error. */
  on: z.string().min(1).max(200).optional(),
  /** Marks a back edge: the only kind of edge allowed to close a cycle. */
  loop: LoopSpec.optional(),
});
export type EdgeSpec = z.infer<typeof EdgeSpec>;

/** Nodes one workflow may have (Cloudflare Workflows allows 25,000 steps on request). */
export const MAX_NODES = 25_000;
/** Edges one workflow may have: four per node on average. */
export const MAX_EDGES = 4 * MAX_NODES;

/**
 * How many runs of a workflow may be active at once (docs/FLOW-CONTROL.md); more wait as
 * `queued` and start in admission order when a slot frees.
 */
export const Concurrency = z.strictObject({
  /** Runs active at once, per value of `key`. */
  limit: z.number().int().min(1).max(1000),
  /** A template over the run's input; each value has its own limit and queue. */
  key: z.string().min(1).max(2000).optional(),
  /** Runs waiting per key; past it a start is refused (429 `queue_full`). */
  maxQueued: z.number().int().min(1).max(10_000).default(1000),
  /** A template over the input giving a number: higher starts first among waiting runs. */
  priority: z.string().min(1).max(2000).optional(),
});
export type Concurrency = z.infer<typeof Concurrency>;

/** Starts within the period (per key) collapse into one run, with the last start's input. */
export const Debounce = z.strictObject({
  periodSeconds: z.number().int().min(1).max(86_400),
  /** A template over the run's input; the same as the other flow keys when they are set. */
  key: z.string().min(1).max(2000).optional(),
});
export type Debounce = z.infer<typeof Debounce>;

/** At most `limit` runs of a workflow start per period (per key); the rest wait as `queued`. */
export const Throttle = z.strictObject({
  limit: z.number().int().min(1).max(10_000),
  periodSeconds: z.number().int().min(1).max(86_400),
  /** A template over the run's input; the same as `concurrency.key` when both are set. */
  key: z.string().min(1).max(2000).optional(),
  /** Runs waiting per key (with `concurrency` too, its `maxQueued` counts). */
  maxQueued: z.number().int().min(1).max(10_000).default(1000),
});
export type Throttle = z.infer<typeof Throttle>;

export const WorkflowDefinition = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().max(5000).optional(),
  nodes: z.array(NodeSpec).min(1).max(MAX_NODES, `a workflow has at most ${MAX_NODES} nodes`),
  edges: z.array(EdgeSpec).max(MAX_EDGES, `a workflow has at most ${MAX_EDGES} edges`).default([]),
  /** What a run may spend on models; over it, agents wait for an approval to continue. */
  budget: Budget.optional(),
  /**
   * A run's deadline: past it the run fails with `run_deadline_exceeded` and what is running
   * or waiting is cancelled, child runs included (docs/COMPOSITION.md).
   */
  timeoutSeconds: z.number().int().min(1).max(31_536_000).optional(),
  /** Runs active at once, the rest queued (docs/FLOW-CONTROL.md). */
  concurrency: Concurrency.optional(),
  /** Starts per period, the rest queued (docs/FLOW-CONTROL.md). */
  throttle: Throttle.optional(),
  /** Starts collapsed into one run per period (docs/FLOW-CONTROL.md). */
  debounce: Debounce.optional(),
  /**
   * Offered as a tool of aob's MCP server (docs/MCP.md): named after the workflow, described by
   * its description, taking its start node's `inputSchema` (an object schema, then) as the tool's
   * arguments; calling it starts a run and answers the run's output.
   */
  exposeAsTool: z.boolean().optional(),
  ui: z
    .strictObject({
      positions: z.record(z.string(), z.object({ x: z.number(), y: z.number() })).optional(),
    })
    .optional(),
});
export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;
/** What a user writes: defaults (join, config, edges) may be left out. */
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinition>;

/** The outcome port every edge may use to route a node's failure. */
export const ERROR_PORT = "error";
