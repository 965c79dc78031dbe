import type { RunEvent } from "../../../core/wire/frames";
import type { NodeView } from "../../../core/wire/node-view";
import { ERROR_PORT, SUCCESS_PORT } from "../flow/ports";
import type { NodeStatus, RunStatus } from "../flow/status";

export interface NodeErrorInfo {
  code: string;
  message: string;
  retryable?: boolean;
}

/**
 * What the run view knows of one node, from the snapshot and the events after it: the node view
 * the API declares (core/wire/node-view.ts), without what the events do not keep up to date; an
 * error from an event may lack `retryable`.
 */
export type LiveNode = Omit<NodeView, "iteration" | "plan" | "error"> & { error?: NodeErrorInfo };

export interface LiveRun {
  status: RunStatus;
  nodes: Record<string, LiveNode>;
  /** The newest event seq folded in. */
  seq: number;
}

/** The part of `GET /api/runs/:id` the live state starts from. */
interface SnapshotLike {
  status: RunStatus;
  lastSeq: number;
  nodes: readonly NodeView[];
}

/** The live state at a snapshot (`GET /api/runs/:id`). */
export function fromSnapshot(view: SnapshotLike): LiveRun {
  const nodes: Record<string, LiveNode> = {};
  for (const n of view.nodes) {
    const node: LiveNode = {
      id: n.id,
      type: n.type,
      status: n.status,
      attempt: n.attempt,
    };
    if (n.port !== undefined) node.port = n.port;
    if (n.error) node.error = n.error;
    if (n.startedAt !== undefined) node.startedAt = n.startedAt;
    if (n.finishedAt !== undefined) node.finishedAt = n.finishedAt;
    if (n.output !== undefined) node.output = n.output;
    if (n.outputHash !== undefined) node.outputHash = n.outputHash;
    if (n.progress) node.progress = n.progress;
    if (n.usage) node.usage = n.usage;
    if (n.addedBy !== undefined) node.addedBy = n.addedBy;
    if (n.input !== undefined) node.input = n.input;
    if (n.omit) node.omit = n.omit;
    if (n.fusedInto) node.fusedInto = n.fusedInto;
    if (n.childRunId) node.childRunId = n.childRunId;
    if (n.waitingFor) node.waitingFor = n.waitingFor;
    nodes[n.id] = node;
  }
  return { status: view.status, nodes, seq: view.lastSeq };
}

const ACTIVE: ReadonlySet<NodeStatus> = new Set(["queued", "running", "waiting"]);

function errorOf(data: Record<string, unknown> | undefined): NodeErrorInfo | undefined {
  const e = data?.error;
  if (typeof e !== "object" || e === null) return undefined;
  const { code, message, retryable } = e as Record<string, unknown>;
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  return typeof retryable === "boolean" ? { code, message, retryable } : { code, message };
}

function num(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

/** How many nodes are queued or running, and waiting: the run's status follows them. */
interface Active {
  busy: number;
  waiting: number;
}

const isBusy = (s: NodeStatus) => s === "queued" || s === "running";

function countActive(nodes: Readonly<Record<string, LiveNode>>): Active {
  const active = { busy: 0, waiting: 0 };
  for (const n of Object.values(nodes)) {
    if (isBusy(n.status)) active.busy += 1;
    else if (n.status === "waiting") active.waiting += 1;
  }
  return active;
}

function setNode(next: LiveRun, active: Active, node: LiveNode): void {
  const prev = next.nodes[node.id];
  if (prev) {
    if (isBusy(prev.status)) active.busy -= 1;
    else if (prev.status === "waiting") active.waiting -= 1;
  }
  if (isBusy(node.status)) active.busy += 1;
  else if (node.status === "waiting") active.waiting += 1;
  next.nodes[node.id] = node;
}

/**
 * Folds one event into `next`, a copy this fold owns (its `nodes` record included), keeping
 * `active` in step. Events at or before `next.seq` are already included and change nothing.
 */
function foldInto(next: LiveRun, active: Active, event: RunEvent): void {
  if (event.seq <= next.seq) return;
  next.seq = event.seq;
  const id = event.nodeId;
  const data = event.data;
  const prev = id === undefined ? undefined : next.nodes[id];
  const node: LiveNode | undefined =
    id === undefined ? undefined : { ...(prev ?? { id, type: "", status: "pending", attempt: 0 }) };
  const attempt = num(data?.attempt);
  if (node && attempt !== undefined) node.attempt = attempt;
  switch (event.type) {
    case "node_queued":
      if (node) node.status = "queued";
      break;
    case "node_started":
      if (node) {
        // A new attempt or loop iteration: what the previous one produced no longer applies.
        node.status = "running";
        node.startedAt = num(data?.startedAt) ?? event.at;
        delete node.waitingFor;
        delete node.finishedAt;
        delete node.error;
        delete node.output;
        delete node.outputHash;
        delete node.port;
      }
      break;
    case "node_waiting":
      if (node) {
        node.status = "waiting";
        // A subworkflow node waits for its child run, which its event names.
        if (typeof data?.childRunId === "string") node.childRunId = data.childRunId;
        // A wait node waits for an event: what, and its signed URL.
        if (data?.reason === "event" && typeof data.event === "string") {
          node.waitingFor = {
            event: data.event,
            key: typeof data.key === "string" ? data.key : null,
            expiresAt: num(data.expiresAt) ?? null,
            url: typeof data.url === "string" ? data.url : null,
          };
        }
      }
      break;
    case "node_retrying":
      if (node) {
        node.status = "waiting";
        const error = errorOf(data);
        if (error) node.error = error;
      }
      break;
    case "node_succeeded":
      if (node) {
        node.status = "succeeded";
        node.finishedAt = event.at;
        delete node.waitingFor;
        const port = data?.port;
        node.port = typeof port === "string" ? port : null;
        if (typeof data?.outputHash === "string") node.outputHash = data.outputHash;
        delete node.error;
      }
      break;
    case "node_failed":
      if (node) {
        node.status = "failed";
        node.finishedAt = event.at;
        delete node.waitingFor;
        const error = errorOf(data);
        if (error) node.error = error;
      }
      break;
    case "node_skipped":
      if (node) {
        node.status = "skipped";
        node.finishedAt = event.at;
      }
      break;
    case "run_cancelled":
      for (const n of Object.values(next.nodes)) {
        if (ACTIVE.has(n.status))
          setNode(next, active, { ...n, status: "cancelled", finishedAt: event.at });
      }
      next.status = "cancelled";
      return;
    case "run_completed":
      next.status = "completed";
      return;
    case "run_failed":
      next.status = "failed";
      return;
    default:
      break;
  }
  if (node) setNode(next, active, node);
  if (next.status === "running" || next.status === "waiting") {
    if (active.busy > 0) next.status = "running";
    else if (active.waiting > 0) next.status = "waiting";
  }
}

/**
 * Folds one run event into the live state (a new object; the input is not changed). Events at
 * or before `run.seq` are already included and change nothing.
 * @example
 * applyEvent(run, { seq: 7, type: "node_succeeded", at: 1, nodeId: "greet", data: { attempt: 1 } })
 */
export function applyEvent(run: LiveRun, event: RunEvent): LiveRun {
  return applyEvents(run, [event]);
}

/**
 * Folds events in order (a new object; the input is not changed). One copy of the node record
 * per call, whatever the number of events: a run of 10,000 nodes folds a frame of many events
 * in time linear in nodes plus events, not their product.
 */
export function applyEvents(run: LiveRun, events: readonly RunEvent[]): LiveRun {
  if (!events.some((e) => e.seq > run.seq)) return run;
  const next: LiveRun = { ...run, nodes: { ...run.nodes } };
  const active = countActive(next.nodes);
  for (const event of events) foldInto(next, active, event);
  return next;
}

/**
 * Events after which the snapshot has news the events do not carry (outputs, approvals, usage,
 * patches and the nodes they added).
 */
export function refreshesSnapshot(type: string): boolean {
  return (
    type === "node_succeeded" ||
    type.startsWith("patch_") ||
    type === "node_failed" ||
    type === "node_skipped" ||
    type.startsWith("run_") ||
    type.startsWith("approval_")
  );
}

/** How long a node took, or has been running, in ms. */
export function durationMs(node: LiveNode, now: number): number | undefined {
  if (node.startedAt === undefined) return undefined;
  return (node.finishedAt ?? now) - node.startedAt;
}

/**
 * Whether an edge leaving `source` by `port` fired: the port the node took on success (the
 * unnamed success port when it took none), or `error` when it failed.
 * @example
 * edgeFired("approved", { ...node, status: "succeeded", port: "approved" }) // true
 */
export function edgeFired(port: string, source: LiveNode | undefined): boolean {
  if (!source) return false;
  if (source.status === "failed") return port === ERROR_PORT;
  if (source.status !== "succeeded") return false;
  return port === SUCCESS_PORT ? !source.port : source.port === port;
}

/** An agent's answer so far, from the live `delta` frames of its current attempt. */
export interface LiveText {
  attempt: number;
  text: string;
  /** Characters dropped from the start to keep the text short. */
  dropped: number;
}

/** Streamed text kept per node; older characters are dropped past this. */
export const LIVE_TEXT_MAX = 20_000;

/**
 * Adds a `delta` frame to the streamed answers (a new object). A newer attempt starts over; a
 * late delta of an older attempt is ignored.
 * @example
 * appendDelta({}, { nodeId: "triage", attempt: 1, text: "Hel" }).triage // { attempt: 1, text: "Hel", dropped: 0 }
 */
export function appendDelta(
  streams: Readonly<Record<string, LiveText>>,
  delta: { nodeId: string; attempt: number; text: string },
): Record<string, LiveText> {
  const prev = streams[delta.nodeId];
  if (prev && delta.attempt < prev.attempt) return streams as Record<string, LiveText>;
  const base = prev && prev.attempt === delta.attempt ? prev : { text: "", dropped: 0 };
  let text = base.text + delta.text;
  let dropped = base.dropped;
  if (text.length > LIVE_TEXT_MAX) {
    dropped += text.length - LIVE_TEXT_MAX;
    text = text.slice(-LIVE_TEXT_MAX);
  }
  return { ...streams, [delta.nodeId]: { attempt: delta.attempt, text, dropped } };
}
