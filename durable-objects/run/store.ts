import type { IR } from "../../core/compile/ir";
import type { NodeError } from "../../core/errors";
import type { RunEventDraft, RunEventType } from "../../core/scheduler/commands";
import type { Timer } from "../../core/scheduler/signals";
import type { EdgeState, NodeState, RunState } from "../../core/scheduler/state";
import type { OutputRef } from "../../core/wire/blob-ref";
import type { RunEvent } from "../../core/wire/frames";
import { ensureSchema } from "./schema";

/** What a run is, beside its scheduler state: fixed at creation. */
export interface RunMeta {
  runId: string;
  tenantId: string;
  workflowId: string;
  version: number;
  createdAt: number;
}

/** An event as stored and sent: the wire's declaration (core/wire/frames.ts). */
export type StoredEvent = RunEvent;

type RunRow = Omit<RunState, "nodes" | "edges">;

/** A node's latest output: its JSON, or (`ref`) a reference to its blob in R2. */
export type StoredOutput =
  | { nodeId: string; hash: string; json: string; ref?: undefined }
  | { nodeId: string; hash: string; ref: OutputRef };

type OutputRow = {
  node_id: string;
  hash: string;
  json: string;
  ref: number;
  bytes: number | null;
};

function toStoredOutput(r: OutputRow): StoredOutput {
  return r.ref === 1
    ? { nodeId: r.node_id, hash: r.hash, ref: { hash: r.hash, bytes: r.bytes ?? 0 } }
    : { nodeId: r.node_id, hash: r.hash, json: r.json };
}

/** Typed access to the RunObject's SQLite storage. Synchronous, like the storage itself. */
/**
 * Characters of JSON per stored piece: at most 3 bytes each in UTF-8 (a surrogate pair is two
 * characters for 4 bytes), so a piece stays under SQLite's 2 MB per value in a Durable Object.
 */
const META_CHUNK_CHARS = 512 * 1024;
/** The `meta` value of a key stored in pieces: not JSON, so no stored value can look like it. */
const CHUNKED = "\u0000chunked";

export class RunStore {
  private seq: number;
  private timerKeys = new Set<string>();

  constructor(private readonly sql: SqlStorage) {
    ensureSchema(sql);
    this.seq = sql.exec<{ s: number | null }>(`SELECT max(seq) AS s FROM events`).one().s ?? 0;
    for (const row of sql.exec<{ key: string }>(`SELECT key FROM timers`))
      this.timerKeys.add(row.key);
  }

  // ---- creation and loading ------------------------------------------------------------------

  exists(): boolean {
    return this.getMeta("run") !== undefined;
  }

  create(meta: RunMeta, ir: IR, input: unknown, state: RunState): void {
    this.setMeta("run", meta);
    this.setMeta("ir", ir);
    this.setMeta("input", input ?? null);
    this.saveRun(state);
    for (const [id, node] of Object.entries(state.nodes)) this.saveNode(id, node);
    state.edges.forEach((e, i) => {
      this.saveEdge(i, e);
    });
  }

  load(): { meta: RunMeta; ir: IR; input: unknown; state: RunState } | null {
    const meta = this.getMeta<RunMeta>("run");
    if (!meta) return null;
    const ir = this.getMeta<IR>("ir")!;
    const run = this.getMeta<RunRow>("state")!;
    const nodes: Record<string, NodeState> = {};
    for (const row of this.sql.exec<{ id: string; state: string }>(`SELECT id, state FROM nodes`)) {
      nodes[row.id] = JSON.parse(row.state) as NodeState;
    }
    const edges: EdgeState[] = ir.edges.map(() => "pending");
    for (const row of this.sql.exec<{ idx: number; state: string }>(
      `SELECT idx, state FROM edges`,
    )) {
      edges[row.idx] = row.state as EdgeState;
    }
    return { meta, ir, input: this.getMeta("input"), state: { ...run, nodes, edges } };
  }

  // ---- scheduler state -----------------------------------------------------------------------

  saveRun(state: RunState): void {
    const { nodes: _nodes, edges: _edges, ...run } = state;
    this.setMeta("state", run);
  }

  saveNode(id: string, node: NodeState): void {
    this.sql.exec(
      `INSERT INTO nodes (id, state) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state`,
      id,
      JSON.stringify(node),
    );
  }

  saveEdge(index: number, state: EdgeState): void {
    this.sql.exec(
      `INSERT INTO edges (idx, state) VALUES (?, ?) ON CONFLICT (idx) DO UPDATE SET state = excluded.state`,
      index,
      state,
    );
  }

  /** Rewrites every edge row (after a patch re-indexed the edges). */
  replaceEdges(edges: EdgeState[]): void {
    this.sql.exec(`DELETE FROM edges`);
    edges.forEach((e, i) => {
      this.saveEdge(i, e);
    });
  }

  // ---- events --------------------------------------------------------------------------------

  appendEvent(event: RunEventDraft, at: number): StoredEvent {
    const seq = ++this.seq;
    const data = event.data === undefined ? null : JSON.stringify(event.data);
    this.sql.exec(
      `INSERT INTO events (seq, type, at, node_id, data) VALUES (?, ?, ?, ?, ?)`,
      seq,
      event.type,
      at,
      event.nodeId ?? null,
      data,
    );
    const stored: StoredEvent = { seq, type: event.type, at };
    if (event.nodeId !== undefined) stored.nodeId = event.nodeId;
    if (event.data !== undefined) stored.data = event.data;
    return stored;
  }

  /**
   * Writes an archive's events as they were (an imported run, durable-objects/run/archive.ts):
   * their own `seq`, which the importer checked are increasing.
   */
  importEvents(events: StoredEvent[]): void {
    for (const e of events) {
      if (e.seq <= this.seq) throw new Error(`event ${e.seq} is out of order (after ${this.seq})`);
      this.sql.exec(
        `INSERT INTO events (seq, type, at, node_id, data) VALUES (?, ?, ?, ?, ?)`,
        e.seq,
        e.type,
        e.at,
        e.nodeId ?? null,
        e.data === undefined ? null : JSON.stringify(e.data),
      );
      this.seq = e.seq;
    }
  }

  /** Events after `after` in seq order, at most `limit`; only node `nodeId`'s when given. */
  events(after: number, limit: number, nodeId?: string): StoredEvent[] {
    type Row = {
      seq: number;
      type: RunEventType;
      at: number;
      node_id: string | null;
      data: string | null;
    };
    const rows =
      nodeId === undefined
        ? this.sql.exec<Row>(
            `SELECT seq, type, at, node_id, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?`,
            after,
            limit,
          )
        : this.sql.exec<Row>(
            `SELECT seq, type, at, node_id, data FROM events WHERE seq > ? AND node_id = ? ORDER BY seq LIMIT ?`,
            after,
            nodeId,
            limit,
          );
    return rows.toArray().map((r) => {
      const e: StoredEvent = { seq: r.seq, type: r.type, at: r.at };
      if (r.node_id !== null) e.nodeId = r.node_id;
      if (r.data !== null) e.data = JSON.parse(r.data) as Record<string, unknown>;
      return e;
    });
  }

  lastSeq(): number {
    return this.seq;
  }

  // ---- timers --------------------------------------------------------------------------------

  setTimer(timer: Timer): void {
    this.timerKeys.add(timer.key);
    this.sql.exec(
      `INSERT INTO timers (key, at, timer) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET at = excluded.at, timer = excluded.timer`,
      timer.key,
      timer.at,
      JSON.stringify(timer),
    );
  }

  clearTimer(key: string): void {
    // Most clears are for timers never set (pure nodes hold no lease): skip the statement.
    if (!this.timerKeys.delete(key)) return;
    this.sql.exec(`DELETE FROM timers WHERE key = ?`, key);
  }

  /**
   * The timers due at `now`. They stay stored until the step that applies each one takes it
   * (`takeTimer`, in that step's transaction): a crash in between leaves them to fire again.
   */
  dueTimers(now: number): Timer[] {
    return this.sql
      .exec<{ timer: string }>(`SELECT timer FROM timers WHERE at <= ? ORDER BY at, key`, now)
      .toArray()
      .map((r) => JSON.parse(r.timer) as Timer);
  }

  /** Whether this timer is still set as it was when it fell due (not cleared, taken or moved). */
  hasTimer(timer: Timer): boolean {
    return (
      this.sql
        .exec(`SELECT 1 FROM timers WHERE key = ? AND timer = ?`, timer.key, JSON.stringify(timer))
        .toArray().length > 0
    );
  }

  /** Removes a timer that fired: in the transaction of the step that applies it. */
  takeTimer(timer: Timer): void {
    this.timerKeys.delete(timer.key);
    this.sql.exec(
      `DELETE FROM timers WHERE key = ? AND timer = ?`,
      timer.key,
      JSON.stringify(timer),
    );
  }

  nextTimerAt(): number | null {
    return this.sql.exec<{ at: number | null }>(`SELECT min(at) AS at FROM timers`).one().at;
  }

  clearAllTimers(): void {
    this.sql.exec(`DELETE FROM timers`);
    this.timerKeys.clear();
  }

  // ---- outputs -------------------------------------------------------------------------------

  saveOutput(nodeId: string, hash: string, json: string): void {
    this.sql.exec(
      `INSERT INTO outputs (node_id, hash, json, ref, bytes) VALUES (?, ?, ?, 0, NULL) ON CONFLICT (node_id) DO UPDATE SET hash = excluded.hash, json = excluded.json, ref = 0, bytes = NULL`,
      nodeId,
      hash,
      json,
    );
    this.sql.exec(`INSERT OR IGNORE INTO cas_outbox (hash, json) VALUES (?, ?)`, hash, json);
  }

  /** An output kept by reference: already in R2, so nothing goes to the outbox. */
  saveOutputRef(nodeId: string, ref: OutputRef): void {
    this.sql.exec(
      `INSERT INTO outputs (node_id, hash, json, ref, bytes) VALUES (?, ?, '', 1, ?) ON CONFLICT (node_id) DO UPDATE SET hash = excluded.hash, json = '', ref = 1, bytes = excluded.bytes`,
      nodeId,
      ref.hash,
      ref.bytes,
    );
  }

  /** Every stored output; one kept by reference has `ref` and no `json`. */
  outputs(): StoredOutput[] {
    return this.sql
      .exec<OutputRow>(`SELECT node_id, hash, json, ref, bytes FROM outputs`)
      .toArray()
      .map(toStoredOutput);
  }

  output(nodeId: string): StoredOutput | undefined {
    const row = this.sql
      .exec<OutputRow>(
        `SELECT node_id, hash, json, ref, bytes FROM outputs WHERE node_id = ?`,
        nodeId,
      )
      .toArray()[0];
    return row ? toStoredOutput(row) : undefined;
  }

  /** Nodes whose output is kept by reference. */
  referencedOutputs(): string[] {
    return this.sql
      .exec<{ node_id: string }>(`SELECT node_id FROM outputs WHERE ref = 1`)
      .toArray()
      .map((r) => r.node_id);
  }

  outputHash(nodeId: string): string | undefined {
    return this.sql
      .exec<{ hash: string }>(`SELECT hash FROM outputs WHERE node_id = ?`, nodeId)
      .toArray()[0]?.hash;
  }

  saveMapList(nodeId: string, attempt: number, items: unknown[]): void {
    this.sql.exec(`DELETE FROM map_items WHERE node_id = ?`, nodeId);
    this.sql.exec(
      `INSERT INTO map_lists (node_id, attempt, json) VALUES (?, ?, ?) ON CONFLICT (node_id) DO UPDATE SET attempt = excluded.attempt, json = excluded.json`,
      nodeId,
      attempt,
      JSON.stringify(items),
    );
  }

  mapList(nodeId: string): unknown[] {
    const row = this.sql
      .exec<{ json: string }>(`SELECT json FROM map_lists WHERE node_id = ?`, nodeId)
      .toArray()[0];
    return row ? (JSON.parse(row.json) as unknown[]) : [];
  }

  saveMapItem(nodeId: string, index: number, json: string): void {
    this.sql.exec(
      `INSERT INTO map_items (node_id, idx, json) VALUES (?, ?, ?) ON CONFLICT (node_id, idx) DO UPDATE SET json = excluded.json`,
      nodeId,
      index,
      json,
    );
  }

  /** The map's output: its item outputs in order (one JSON text, never re-parsed item by item). */
  mapOutputJson(nodeId: string): string {
    const parts = this.sql
      .exec<{ json: string }>(`SELECT json FROM map_items WHERE node_id = ? ORDER BY idx`, nodeId)
      .toArray()
      .map((r) => r.json);
    return `[${parts.join(",")}]`;
  }

  // ---- resolved inputs -----------------------------------------------------------------------

  /** The config an attempt was sent with; inputs over `maxBytes` are kept as a note of their size. */
  saveInput(nodeId: string, attempt: number, config: unknown, maxBytes: number): void {
    let json = JSON.stringify(config);
    if (json.length > maxBytes) json = JSON.stringify({ truncated: true, bytes: json.length });
    this.sql.exec(
      `INSERT INTO inputs (node_id, attempt, json) VALUES (?, ?, ?) ON CONFLICT (node_id, attempt) DO UPDATE SET json = excluded.json`,
      nodeId,
      attempt,
      json,
    );
  }

  /** Each node's resolved input of its latest attempt that has one. */
  latestInputs(): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const r of this.sql
      .exec<{ node_id: string; json: string }>(`SELECT node_id, json FROM inputs ORDER BY attempt`)
      .toArray()) {
      out.set(r.node_id, JSON.parse(r.json) as unknown);
    }
    return out;
  }

  // ---- history -------------------------------------------------------------------------------

  recordExecution(
    nodeId: string,
    type: string,
    node: NodeState,
    status: string,
    outputHash: string | null,
    error: NodeError | null,
  ): void {
    this.sql.exec(
      `INSERT INTO executions (node_id, type, iteration, attempt, status, started_at, finished_at, output_hash, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (node_id, attempt) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at, output_hash = excluded.output_hash, error = excluded.error`,
      nodeId,
      type,
      node.iteration,
      node.attempt,
      status,
      node.startedAt ?? null,
      node.finishedAt ?? null,
      outputHash,
      error === null ? null : JSON.stringify(error),
    );
  }

  executions() {
    return this.sql
      .exec<{
        node_id: string;
        type: string;
        iteration: number;
        attempt: number;
        status: string;
        started_at: number | null;
        finished_at: number | null;
        output_hash: string | null;
        error: string | null;
      }>(`SELECT * FROM executions ORDER BY node_id, attempt`)
      .toArray();
  }

  // ---- CAS outbox ----------------------------------------------------------------------------

  pendingBlobs(limit: number): { hash: string; json: string }[] {
    return this.sql
      .exec<{ hash: string; json: string }>(`SELECT hash, json FROM cas_outbox LIMIT ?`, limit)
      .toArray();
  }

  pendingBlobCount(): number {
    return this.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM cas_outbox`).one().n;
  }

  blobWritten(hash: string): void {
    this.sql.exec(`DELETE FROM cas_outbox WHERE hash = ?`, hash);
  }

  // ---- meta ----------------------------------------------------------------------------------

  getMeta<T>(key: string): T | undefined {
    const row = this.sql.exec<{ v: string }>(`SELECT v FROM meta WHERE k = ?`, key).toArray()[0];
    if (!row) return undefined;
    if (row.v !== CHUNKED) return JSON.parse(row.v) as T;
    const parts = this.sql
      .exec<{ v: string }>(`SELECT v FROM meta_chunks WHERE k = ? ORDER BY i`, key)
      .toArray();
    return JSON.parse(parts.map((p) => p.v).join("")) as T;
  }

  /**
   * Stores a value as JSON; one too large for a SQLite value (over 2 MB, such as the IR of a
   * 5,000-node workflow) goes into `meta_chunks` in pieces, its `meta` row marked CHUNKED.
   */
  setMeta(key: string, value: unknown): void {
    const json = JSON.stringify(value);
    this.sql.exec(`DELETE FROM meta_chunks WHERE k = ?`, key);
    const v = json.length <= META_CHUNK_CHARS ? json : CHUNKED;
    if (v === CHUNKED) {
      for (let i = 0, at = 0; at < json.length; i++) {
        let end = Math.min(at + META_CHUNK_CHARS, json.length);
        // Never split a surrogate pair: SQLite would store each half as U+FFFD.
        const last = json.charCodeAt(end - 1);
        if (end < json.length && last >= 0xd800 && last <= 0xdbff) end--;
        this.sql.exec(
          `INSERT INTO meta_chunks (k, i, v) VALUES (?, ?, ?)`,
          key,
          i,
          json.slice(at, end),
        );
        at = end;
      }
    }
    this.sql.exec(
      `INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v`,
      key,
      v,
    );
  }
}
