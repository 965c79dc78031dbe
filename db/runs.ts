/**
 * D1 access for the run list (`runs`): the API records a run when it starts it; its RunObject
 * keeps the row current through its projection (db/projection.ts).
 */
import { and, desc, eq, gte, isNull, lt, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { runRowEndIncrement } from "./metrics";
import { prepared } from "./prepared";
import { runs } from "./schema";

export type RunRow = typeof runs.$inferSelect;
export type RunStatus = RunRow["status"];

/** How a run was started. */
export type RunTrigger = "api" | "webhook" | "cron" | "replay" | "subworkflow";

/** A page of a tenant's runs, newest first (by `createdAt`, then id). */
export interface RunQuery {
  tenantId: string;
  /** Rows to read: a page's size plus one, to know whether another page follows. */
  limit: number;
  status?: RunStatus;
  workflowId?: string;
  trigger?: RunTrigger;
  /** Created at or after / before (ms). */
  from?: number;
  to?: number;
  /** The sort key of the last run of the previous page: `[createdAt, id]`. */
  after?: readonly [number, string];
}

/** A tenant's runs, newest first, filtered; runs being deleted are not listed. */
export async function listRuns(db: D1Database, query: RunQuery): Promise<RunRow[]> {
  const filters: SQL[] = [eq(runs.tenantId, query.tenantId), isNull(runs.deletingAt)];
  if (query.status) filters.push(eq(runs.status, query.status));
  if (query.workflowId) filters.push(eq(runs.workflowId, query.workflowId));
  if (query.trigger) filters.push(eq(runs.trigger, query.trigger));
  if (query.from !== undefined) filters.push(gte(runs.createdAt, query.from));
  if (query.to !== undefined) filters.push(lt(runs.createdAt, query.to));
  if (query.after)
    filters.push(sql`(${runs.createdAt}, ${runs.id}) < (${query.after[0]}, ${query.after[1]})`);
  return drizzle(db)
    .select()
    .from(runs)
    .where(and(...filters))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(query.limit)
    .all();
}

/** Whether the run exists in this tenant (another tenant's run, or one being deleted, does not). */
export async function runInTenant(
  db: D1Database,
  tenantId: string,
  runId: string,
): Promise<boolean> {
  const row = await drizzle(db)
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.tenantId, tenantId), isNull(runs.deletingAt)))
    .get();
  return row !== undefined;
}

/** Whether the tenant's run is held against retention (false for an unknown run). */
export async function runHeld(db: D1Database, tenantId: string, runId: string): Promise<boolean> {
  const row = await drizzle(db)
    .select({ held: runs.held })
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.tenantId, tenantId)))
    .get();
  return row?.held === 1;
}

/** Records a run as `running` before its RunObject is created. */
export async function insertStartedRun(
  db: D1Database,
  run: Pick<RunRow, "id" | "tenantId" | "workflowId" | "version" | "createdAt"> & {
    trigger?: RunTrigger;
  },
): Promise<void> {
  await drizzle(db)
    .insert(runs)
    .values({ ...run, status: "running", startedAt: run.createdAt })
    .run();
}

/**
 * Records a run admitted while its workflow's concurrency limit was reached (docs/FLOW-CONTROL.md):
 * `queued`, under its gate, until the gate starts it.
 */
export async function insertQueuedRun(
  db: D1Database,
  run: Pick<RunRow, "id" | "tenantId" | "workflowId" | "version" | "createdAt"> & {
    trigger?: RunTrigger;
    gate: string;
  },
): Promise<void> {
  await drizzle(db)
    .insert(runs)
    .values({ ...run, status: "queued" })
    .run();
}

/**
 * A queued run's start: its row moves to `running`, once, and records when (`started_at`: its
 * wait in the queue is `started_at - created_at`). Answers the row's status before (a
 * start tried again finds it `running` or later; a run cancelled meanwhile, `cancelled`), or
 * null when there is no row.
 */
export async function startQueuedRun(
  db: D1Database,
  runId: string,
  now = Date.now(),
): Promise<string | null> {
  const orm = drizzle(db);
  const moved = await orm
    .update(runs)
    .set({ status: "running", startedAt: now })
    .where(and(eq(runs.id, runId), eq(runs.status, "queued")))
    .run();
  if (moved.meta.changes > 0) return "queued";
  const row = await orm.select({ status: runs.status }).from(runs).where(eq(runs.id, runId)).get();
  return row?.status ?? null;
}

/** A run's D1 row in its tenant (not being deleted), or null. */
export async function findRun(
  db: D1Database,
  tenantId: string,
  runId: string,
): Promise<RunRow | null> {
  const row = await drizzle(db)
    .select()
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.tenantId, tenantId), isNull(runs.deletingAt)))
    .get();
  return row ?? null;
}

/** The gate of a run still `queued`, or null (started, ended, or no such run). */
export async function gateOfQueued(db: D1Database, runId: string): Promise<string | null> {
  const row = await drizzle(db)
    .select({ gate: runs.gate })
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.status, "queued")))
    .get();
  return row?.gate ?? null;
}

/** The row of a start its full queue refused: nothing of it is kept. */
export async function deleteQueuedRun(db: D1Database, runId: string): Promise<void> {
  await drizzle(db)
    .delete(runs)
    .where(and(eq(runs.id, runId), eq(runs.status, "queued")))
    .run();
}

/**
 * A queued run that ends without starting (cancelled, or its start refused for good); it counts
 * in the running totals once, with the update that ends it (db/metrics.ts).
 */
export async function markQueuedRunEnded(
  db: D1Database,
  runId: string,
  end: { status: "failed" | "cancelled"; error: string; finishedAt: number },
): Promise<void> {
  const update = drizzle(db)
    .update(runs)
    .set(end)
    .where(and(eq(runs.id, runId), eq(runs.status, "queued")));
  await db.batch([runRowEndIncrement(db, runId, end.status, "queued"), prepared(db, update)]);
}

/**
 * Marks a run failed whose RunObject could not be created, so it is not listed as running. A
 * row its object has projected (`events` > 0) is left alone: the create went through and only
 * its answer was lost, and the run (which may have ended already) owns its row. Counted once
 * in the running totals (db/metrics.ts).
 */
export async function markStartFailed(
  db: D1Database,
  runId: string,
  failure: { error: string; finishedAt: number },
): Promise<void> {
  const update = drizzle(db)
    .update(runs)
    .set({ status: "failed", error: failure.error, finishedAt: failure.finishedAt })
    .where(and(eq(runs.id, runId), eq(runs.events, 0)));
  await db.batch([
    runRowEndIncrement(db, runId, "failed", "never-projected"),
    prepared(db, update),
  ]);
}
