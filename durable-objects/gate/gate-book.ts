/**
 * A gate's runs in its SQLite (docs/FLOW-CONTROL.md): each run it admitted, `waiting` in
 * admission order, then `starting` (picked, its start under way or to be tried again), then
 * `active` until its release. A released or cancelled run's row is deleted.
 */

import type { Budget } from "../../core/agents/budget";
import type { RunTrigger } from "../../db/runs";
import type { ParentLink } from "../run/child-runs";

/** Everything a queued run needs to start later: its definition is its version's, read then. */
export interface GatedStart {
  runId: string;
  tenantId: string;
  workflowId: string;
  version: number;
  input: unknown;
  trigger: RunTrigger;
  budget?: Budget;
  parent?: ParentLink;
  /** When it was admitted (its D1 row's `created_at`). */
  queuedAt: number;
  /** Its concurrency key's value; null: the workflow has no key. */
  key: string | null;
  /** Its place in the gate's admission order (set by the gate). */
  order?: number;
  /** When the gate picked it to start (set by the gate). */
  pickedAt?: number;
  /** Its `concurrency.priority`: higher starts first (0 without one). */
  priority?: number;
  /** Why it waited (set by the gate when it did not start at once). */
  reason?: string;
}

/** The gate a run was queued in, as the run keeps it (its end releases its slot there). */
export interface GatedBy {
  gate: string;
  queuedAt: number;
  key: string | null;
  /** Its place in the gate's admission order: waiting runs start in it. */
  order?: number;
  /** When the gate picked it: what its throttle counted. */
  pickedAt?: number;
  /** Why it waited; absent when it started at once. */
  reason?: string;
}

export type GateState = "waiting" | "starting" | "active";

export interface GateEntry {
  start: GatedStart;
  state: GateState;
}

export class GateBook {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS gate_runs (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, state TEXT NOT NULL, start TEXT NOT NULL, picked_at INTEGER, priority REAL NOT NULL DEFAULT 0, not_before INTEGER)`,
    );
    sql.exec(`CREATE INDEX IF NOT EXISTS gate_runs_state ON gate_runs (state, seq)`);
    // When runs were picked, for a throttle: kept for its period, then pruned.
    sql.exec(`CREATE TABLE IF NOT EXISTS gate_starts (at INTEGER NOT NULL)`);
  }

  /** The times of the picks since `since`, pruning older ones. */
  startsSince(since: number): number[] {
    this.sql.exec(`DELETE FROM gate_starts WHERE at <= ?`, since);
    return this.sql
      .exec<{ at: number }>(`SELECT at FROM gate_starts`)
      .toArray()
      .map((r) => r.at);
  }

  get(runId: string): GateEntry | null {
    const row = this.sql
      .exec<{ state: GateState; start: string }>(
        `SELECT state, start FROM gate_runs WHERE run_id = ?`,
        runId,
      )
      .toArray()[0];
    return row ? { state: row.state, start: JSON.parse(row.start) as GatedStart } : null;
  }

  /**
   * Queues a run: with a priority (higher starts first; admission order among equals), and,
   * for a debounce, not before a time.
   */
  add(start: GatedStart, place: { priority: number; notBefore: number | null }): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO gate_runs (run_id, state, start, priority, not_before) VALUES (?, 'waiting', ?, ?, ?)`,
      start.runId,
      JSON.stringify(start),
      place.priority,
      place.notBefore,
    );
  }

  /** The run a debounce collapses new starts into: the waiting one with a `not_before`. */
  debouncing(): string | null {
    const row = this.sql
      .exec<{ run_id: string }>(
        `SELECT run_id FROM gate_runs WHERE state = 'waiting' AND not_before IS NOT NULL ORDER BY seq LIMIT 1`,
      )
      .toArray()[0];
    return row?.run_id ?? null;
  }

  /** A debounced run takes a later start's input (and the rest of it) and waits again. */
  collapse(runId: string, start: GatedStart, notBefore: number): void {
    this.sql.exec(
      `UPDATE gate_runs SET start = ?, not_before = ? WHERE run_id = ? AND state = 'waiting'`,
      JSON.stringify({ ...start, runId }),
      notBefore,
      runId,
    );
  }

  /** Records why a waiting run waits (its `run_queued` event says it once it starts). */
  note(runId: string, reason: string): void {
    const entry = this.get(runId);
    if (!entry) return;
    this.sql.exec(
      `UPDATE gate_runs SET start = ? WHERE run_id = ?`,
      JSON.stringify({ ...entry.start, reason }),
      runId,
    );
  }

  /** Waiting runs that may start at `now` (their debounce, if any, is over). */
  ready(now: number): number {
    return this.sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM gate_runs WHERE state = 'waiting' AND (not_before IS NULL OR not_before <= ?)`,
        now,
      )
      .one().n;
  }

  /** When the next debounced run may start, if one waits for its time. */
  nextReady(now: number): number | null {
    return this.sql
      .exec<{ at: number | null }>(
        `SELECT MIN(not_before) AS at FROM gate_runs WHERE state = 'waiting' AND not_before > ?`,
        now,
      )
      .one().at;
  }

  count(state: GateState): number {
    return this.sql
      .exec<{ n: number }>(`SELECT COUNT(*) AS n FROM gate_runs WHERE state = ?`, state)
      .one().n;
  }

  /** A waiting run's place in the queue (priority, then admission), 1 first; null when not waiting. */
  position(runId: string): number | null {
    const row = this.sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM gate_runs o, (SELECT seq, priority FROM gate_runs WHERE run_id = ? AND state = 'waiting') m
          WHERE o.state = 'waiting' AND (o.priority > m.priority OR (o.priority = m.priority AND o.seq <= m.seq))`,
        runId,
      )
      .one();
    return row.n === 0 ? null : row.n;
  }

  /**
   * Moves the first `free` ready waiting runs (highest priority, then oldest) to `starting`,
   * recording when (for a throttle).
   */
  pick(free: number, now: number): GatedStart[] {
    if (free <= 0) return [];
    const rows = this.sql
      .exec<{ seq: number; run_id: string; start: string }>(
        `SELECT seq, run_id, start FROM gate_runs WHERE state = 'waiting' AND (not_before IS NULL OR not_before <= ?)
          ORDER BY priority DESC, seq LIMIT ?`,
        now,
        free,
      )
      .toArray();
    for (const r of rows) {
      this.sql.exec(
        `UPDATE gate_runs SET state = 'starting', picked_at = ? WHERE run_id = ?`,
        now,
        r.run_id,
      );
      this.sql.exec(`INSERT INTO gate_starts (at) VALUES (?)`, now);
    }
    return rows.map((r) => ({
      ...(JSON.parse(r.start) as GatedStart),
      order: r.seq,
      pickedAt: now,
    }));
  }

  /** Runs picked whose start has not been confirmed (a crash, a failed call). */
  starting(): GatedStart[] {
    return this.sql
      .exec<{ seq: number; start: string; picked_at: number | null }>(
        `SELECT seq, start, picked_at FROM gate_runs WHERE state = 'starting' ORDER BY seq`,
      )
      .toArray()
      .map((r) => ({
        ...(JSON.parse(r.start) as GatedStart),
        order: r.seq,
        ...(r.picked_at === null ? {} : { pickedAt: r.picked_at }),
      }));
  }

  activate(runId: string): void {
    this.sql.exec(
      `UPDATE gate_runs SET state = 'active' WHERE run_id = ? AND state = 'starting'`,
      runId,
    );
  }

  /** Forgets a run (released, cancelled while waiting, or not startable); true if it was here. */
  remove(runId: string, states: GateState[]): boolean {
    const marks = states.map(() => "?").join(", ");
    const cursor = this.sql.exec(
      `DELETE FROM gate_runs WHERE run_id = ? AND state IN (${marks})`,
      runId,
      ...states,
    );
    return cursor.rowsWritten > 0;
  }
}
