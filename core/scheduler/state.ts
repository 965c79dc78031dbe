import type { IR } from "../compile/ir";
import type { NodeError } from "../errors";

/** A node's statuses, declared once: the API's schema and the web app take them from here. */
export const NODE_STATUSES = [
  "pending",
  "queued",
  "running",
  "waiting",
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** Statuses that hold a token: the node is in flight or parked. */
export const ACTIVE: ReadonlySet<NodeStatus> = new Set(["queued", "running", "waiting"]);

/**
 * A run's statuses. `queued`: admitted, waiting for a slot of its workflow's concurrency limit
 * (docs/FLOW-CONTROL.md); only D1 and the API know it, its object does not exist yet.
 */
export const RUN_STATUSES = [
  "queued",
  "running",
  "waiting",
  "completed",
  "failed",
  "cancelled",
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_RUN: ReadonlySet<RunStatus> = new Set(["completed", "failed", "cancelled"]);

export type EdgeState = "pending" | "fired" | "dead";

/**
 * Why a node is parked: a retry backoff, a delay, people deciding an approval, or people
 * deciding whether the run may spend more (an agent held by the run's budget).
 */
export type WaitReason = "retry" | "delay" | "approval" | "budget" | "child" | "event";

export type ItemStatus = "pending" | "running" | "waiting" | "done";

/** Progress of a map node's items. */
export interface MapProgress {
  total: number;
  done: number;
  items: ItemStatus[];
  /** Attempts made per item. */
  tries: number[];
  /** Lease expiries of each item's current attempt. */
  redeliveries: number[];
}

export interface NodeState {
  status: NodeStatus;
  /** Execution number, unique per node within a run (across retries and loop iterations). */
  attempt: number;
  /** Attempts in the current loop iteration (what the retry policy counts). */
  tries: number;
  iteration: number;
  /** A queued node launched while its run's queue window was full: no job sent yet (window.ts). */
  held?: boolean;
  /** Times the current attempt was re-sent because its lease expired. */
  redeliveries: number;
  /** The outcome port taken; null = the default success port. */
  port?: string | null;
  /** Why a skipped node was skipped (`unknown_type` passes its success edges on). */
  skipReason?: string;
  error?: NodeError;
  waitReason?: WaitReason;
  /** An approval whose first timeout escalated it (docs/PEOPLE.md): the next one times out. */
  escalated?: boolean;
  startedAt?: number;
  finishedAt?: number;
  map?: MapProgress;
}

export interface RunFailure extends NodeError {
  nodeId: string;
}

export interface RunState {
  runId: string;
  status: RunStatus;
  startedAt: number;
  finishedAt?: number;
  /** Node executions in flight or parked. The run ends when it is 0. */
  tokens: number;
  nodes: Record<string, NodeState>;
  /** Per IR edge index. */
  edges: EdgeState[];
  /** Per loop edge index: iterations taken. */
  loopCounts: Record<number, number>;
  /** The first failure no `error` edge routed: the run fails with it once everything settles. */
  failure?: RunFailure;
  /** The end node whose output is the run output (the last one to succeed). */
  outputNode?: string;
}

/**
 * A fresh run: every node pending, every edge pending. Send it a `start` signal to begin.
 * @example
 * const state = createRunState(ir, "run_1", Date.now());
 */
export function createRunState(ir: IR, runId: string, now: number): RunState {
  const nodes: Record<string, NodeState> = {};
  for (const n of ir.nodes) nodes[n.id] = freshNode(0, 0);
  return {
    runId,
    status: "running",
    startedAt: now,
    tokens: 0,
    nodes,
    edges: ir.edges.map(() => "pending"),
    loopCounts: {},
  };
}

export function freshNode(attempt: number, iteration: number): NodeState {
  return { status: "pending", attempt, tries: 0, iteration, redeliveries: 0 };
}
