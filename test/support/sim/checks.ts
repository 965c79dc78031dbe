/**
 * What the simulation checks after every action (ARCHITECTURE.md, "The scheduler" and "The
 * RunObject"), read from the object's real storage, and what it records of a run's end.
 */
import { canonicalJson } from "../../../core/cas/hash";
import { ACTIVE, type RunStatus, TERMINAL_RUN } from "../../../core/scheduler/state";
import type { OpenedRun } from "../../../durable-objects/run/open";
import { RunStore } from "../../../durable-objects/run/store";

export interface RunRecord {
  status: RunStatus;
  tokens: number;
  nodes: Record<string, { status: string; port: string | null }>;
  /** Each node's stored output (JSON), or its hash when kept by reference. */
  outputs: Record<string, string>;
  events: { seq: number; type: string; nodeId: string | null; data: Record<string, unknown> }[];
  timers: number;
  executions: number;
  outbox: number;
  /** Notices owed to other runs, not yet taken (children.ts). */
  notices: number;
  /** Each node's current attempt. */
  attempts: Record<string, number>;
  /** Map items' outputs (JSON), by `node#index`. */
  items: Record<string, string>;
}

function events(sql: SqlStorage): RunRecord["events"] {
  return sql
    .exec<{ seq: number; type: string; node_id: string | null; data: string | null }>(
      "SELECT seq, type, node_id, data FROM events ORDER BY seq",
    )
    .toArray()
    .map((e) => ({
      seq: e.seq,
      type: e.type,
      nodeId: e.node_id,
      data: e.data ? (JSON.parse(e.data) as Record<string, unknown>) : {},
    }));
}

const RESULT_EVENTS = new Set(["node_succeeded", "node_failed", "node_retrying"]);

/**
 * The invariants after an action has settled: the token counter counts the active nodes and is
 * never negative; what the engine holds in memory is what storage holds (each step is one
 * transaction); event seqs are gapless; at most one result is accepted per (node, attempt).
 */
export function checkStep(
  opened: OpenedRun,
  storage: DurableObjectStorage,
  window = Number.POSITIVE_INFINITY,
): string[] {
  const run = opened.engine.loaded;
  if (!run) return [];
  const { state } = run;
  const problems: string[] = [];
  // The queue window (core/scheduler/window.ts): at most `window` jobs out, none held with room.
  const queued = run.ir.nodes.filter((n) => n.mode === "queued").map((n) => state.nodes[n.id]!);
  const out = queued.filter((n) => !n.held && (n.status === "queued" || n.status === "running"));
  const held = queued.filter((n) => n.held && n.status === "queued");
  if (out.length > window) problems.push(`${out.length} queued jobs out, window ${window}`);
  if (held.length > 0 && out.length < window && !TERMINAL_RUN.has(state.status)) {
    problems.push(`${held.length} held with ${out.length} of ${window} jobs out`);
  }
  const active = Object.values(state.nodes).filter((n) => ACTIVE.has(n.status)).length;
  if (state.tokens !== active) problems.push(`tokens ${state.tokens} but ${active} active nodes`);
  if (state.tokens < 0) problems.push(`tokens negative: ${state.tokens}`);
  const stored = new RunStore(storage.sql).load();
  if (!stored) {
    problems.push("the run is in memory but not in storage");
  } else {
    const view = (s: typeof state) =>
      canonicalJson({ status: s.status, tokens: s.tokens, nodes: s.nodes, edges: s.edges });
    if (view(stored.state) !== view(state)) {
      problems.push(
        `memory and storage differ: memory ${view(state)} storage ${view(stored.state)}`,
      );
    }
    const storedActive = Object.values(stored.state.nodes).filter((n) =>
      ACTIVE.has(n.status),
    ).length;
    if (stored.state.tokens !== storedActive) {
      problems.push(`stored tokens ${stored.state.tokens} but ${storedActive} active nodes`);
    }
  }
  const log = events(storage.sql);
  log.forEach((e, i) => {
    if (e.seq !== i + 1) problems.push(`event seq gap: #${i + 1} has seq ${e.seq}`);
  });
  const accepted = new Map<string, string>();
  for (const e of log) {
    if (!RESULT_EVENTS.has(e.type)) continue;
    const key = `${e.nodeId}#${String(e.data.attempt)}`;
    const before = accepted.get(key);
    if (before) problems.push(`two results accepted for ${key}: ${before} then ${e.type}`);
    accepted.set(key, e.type);
  }
  return problems;
}

/** The run as it ended, read from storage. */
export function recordOf(opened: OpenedRun, storage: DurableObjectStorage): RunRecord | null {
  const run = opened.engine.loaded;
  if (!run) return null;
  const sql = storage.sql;
  const outputs: Record<string, string> = {};
  for (const row of sql.exec<{ node_id: string; hash: string; json: string; ref: number }>(
    "SELECT node_id, hash, json, ref FROM outputs",
  )) {
    outputs[row.node_id] = row.ref ? `ref:${row.hash}` : row.json;
  }
  const nodes: RunRecord["nodes"] = {};
  const attempts: RunRecord["attempts"] = {};
  for (const [id, n] of Object.entries(run.state.nodes)) {
    nodes[id] = { status: n.status, port: n.port ?? null };
    attempts[id] = n.attempt;
  }
  const items: RunRecord["items"] = {};
  for (const row of sql.exec<{ node_id: string; idx: number; json: string }>(
    "SELECT node_id, idx, json FROM map_items",
  )) {
    items[`${row.node_id}#${row.idx}`] = row.json;
  }
  const count = (table: string) =>
    sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;
  return {
    status: run.state.status,
    tokens: run.state.tokens,
    nodes,
    outputs,
    events: events(sql),
    timers: count("timers"),
    executions: count("executions"),
    outbox: count("cas_outbox"),
    notices: count("notices"),
    attempts,
    items,
  };
}
