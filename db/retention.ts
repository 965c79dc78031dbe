/**
 * D1 access for retention (docs/LIFECYCLE.md): policies (`retention_policies`), the runs they
 * expire, and the sweeps' reports (`sweeps`). Every query here is bounded by a LIMIT and reads
 * through an index (test/workerd/query-plans.test.ts).
 */
import { cutoffs, DEFAULT_RETENTION, type Retention } from "../core/lifecycle/retention";

/** A stored policy: the tenant's (`workflowId` null) or a workflow's override. */
export interface StoredPolicy extends Retention {
  tenantId: string;
  workflowId: string | null;
  updatedAt: number;
}

interface PolicyRow {
  tenant_id: string;
  workflow_id: string;
  days: number | null;
  failed_days: number | null;
  keep_last: number | null;
  updated_at: number;
}

const fromRow = (row: PolicyRow): StoredPolicy => ({
  tenantId: row.tenant_id,
  workflowId: row.workflow_id === "" ? null : row.workflow_id,
  days: row.days,
  failedDays: row.failed_days,
  keepLast: row.keep_last,
  updatedAt: row.updated_at,
});

/** The tenant's policy (`workflowId` null) or a workflow's own, or null when none is set. */
export async function findPolicy(
  db: D1Database,
  tenantId: string,
  workflowId: string | null,
): Promise<StoredPolicy | null> {
  const row = await db
    .prepare(`SELECT * FROM retention_policies WHERE tenant_id = ? AND workflow_id = ?`)
    .bind(tenantId, workflowId ?? "")
    .first<PolicyRow>();
  return row ? fromRow(row) : null;
}

/** Sets the tenant's policy or a workflow's own. */
export async function putPolicy(
  db: D1Database,
  policy: Retention & { tenantId: string; workflowId: string | null; updatedAt: number },
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO retention_policies (tenant_id, workflow_id, days, failed_days, keep_last, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, workflow_id) DO UPDATE SET days = excluded.days,
         failed_days = excluded.failed_days, keep_last = excluded.keep_last, updated_at = excluded.updated_at`,
    )
    .bind(
      policy.tenantId,
      policy.workflowId ?? "",
      policy.days,
      policy.failedDays,
      policy.keepLast,
      policy.updatedAt,
    )
    .run();
}

/** Removes a workflow's own policy (it follows the tenant's again); false if it had none. */
export async function deletePolicy(
  db: D1Database,
  tenantId: string,
  workflowId: string,
): Promise<boolean> {
  const result = await db
    .prepare(`DELETE FROM retention_policies WHERE tenant_id = ? AND workflow_id = ?`)
    .bind(tenantId, workflowId)
    .run();
  return (result.meta.changes ?? 0) > 0;
}

const FINISHED = `status IN ('completed', 'cancelled')`;
const FAILED = `status = 'failed'`;
const EXPIRABLE = `held = 0 AND deleting_at IS NULL AND archived_from IS NULL`;

/**
 * Runs that retention deletes at `now`, at most `limit`: for each tenant, by its policy (or
 * DEFAULT_RETENTION) except in workflows with their own, and in those by their own. Tenants and
 * workflows are read in pages; each query stops at `limit`.
 */
export async function expiredRuns(db: D1Database, now: number, limit: number): Promise<string[]> {
  const found = new Set<string>();
  const room = () => limit - found.size;
  const add = (ids: string[]) => {
    for (const id of ids) if (found.size < limit) found.add(id);
  };
  let after = "";
  while (room() > 0) {
    const tenants = await db
      .prepare(`SELECT id FROM tenants WHERE id > ? ORDER BY id LIMIT 100`)
      .bind(after)
      .all<{ id: string }>();
    for (const { id: tenantId } of tenants.results) {
      if (room() <= 0) break;
      const own = await db
        .prepare(`SELECT * FROM retention_policies WHERE tenant_id = ?`)
        .bind(tenantId)
        .all<PolicyRow>();
      const policies = own.results.map(fromRow);
      const tenantPolicy = policies.find((p) => p.workflowId === null) ?? DEFAULT_RETENTION;
      const overridden = policies.filter((p) => p.workflowId !== null);
      add(await expiredByAge(db, { tenantId }, tenantPolicy, overridden, now, room()));
      for (const policy of overridden) {
        if (room() <= 0) break;
        const scope = { tenantId, workflowId: policy.workflowId! };
        add(await expiredByAge(db, scope, policy, [], now, room()));
      }
      if (tenantPolicy.keepLast !== null) {
        const skip = new Set(overridden.map((p) => p.workflowId));
        add(await beyondLastInTenant(db, tenantId, tenantPolicy.keepLast, skip, room()));
      }
      for (const policy of overridden) {
        if (room() <= 0 || policy.keepLast === null) continue;
        add(await beyondLast(db, policy.workflowId!, policy.keepLast, room()));
      }
    }
    const last = tenants.results.at(-1);
    if (!last || tenants.results.length < 100) break;
    after = last.id;
  }
  return [...found];
}

async function expiredByAge(
  db: D1Database,
  scope: { tenantId: string; workflowId?: string },
  policy: Retention,
  overridden: StoredPolicy[],
  now: number,
  limit: number,
): Promise<string[]> {
  const { finished, failed } = cutoffs(policy, now);
  const where = scope.workflowId
    ? { sql: `workflow_id = ?`, binds: [scope.workflowId] }
    : { sql: `tenant_id = ?`, binds: [scope.tenantId] };
  const except = overridden.map((p) => p.workflowId!);
  const notIn = except.length
    ? ` AND workflow_id NOT IN (${except.map(() => "?").join(", ")})`
    : "";
  const ids: string[] = [];
  for (const [status, cutoff] of [
    [FINISHED, finished],
    [FAILED, failed],
  ] as const) {
    if (cutoff === null || ids.length >= limit) continue;
    const rows = await db
      .prepare(
        `SELECT id FROM runs WHERE ${where.sql} AND finished_at < ? AND ${status} AND ${EXPIRABLE}${notIn}
         ORDER BY finished_at LIMIT ?`,
      )
      .bind(...where.binds, cutoff, ...except, limit - ids.length)
      .all<{ id: string }>();
    ids.push(...rows.results.map((row) => row.id));
  }
  return ids;
}

/** Finished runs of the workflow beyond its newest `keep` (held ones count, and stay). */
async function beyondLast(
  db: D1Database,
  workflowId: string,
  keep: number,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .prepare(
      `SELECT id, held FROM runs WHERE workflow_id = ? AND finished_at IS NOT NULL AND deleting_at IS NULL
       AND archived_from IS NULL
       ORDER BY finished_at DESC LIMIT ? OFFSET ?`,
    )
    .bind(workflowId, limit, keep)
    .all<{ id: string; held: number }>();
  return rows.results.filter((row) => row.held === 0).map((row) => row.id);
}

/** `beyondLast` for each of the tenant's workflows without a policy of their own. */
async function beyondLastInTenant(
  db: D1Database,
  tenantId: string,
  keep: number,
  skip: Set<string | null>,
  limit: number,
): Promise<string[]> {
  const ids: string[] = [];
  let after = "";
  for (;;) {
    const page = await db
      .prepare(`SELECT id FROM workflows WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT 100`)
      .bind(tenantId, after)
      .all<{ id: string }>();
    for (const { id } of page.results) {
      if (ids.length >= limit) return ids;
      if (!skip.has(id)) ids.push(...(await beyondLast(db, id, keep, limit - ids.length)));
    }
    const last = page.results.at(-1);
    if (!last || page.results.length < 100) return ids;
    after = last.id;
  }
}

/** What one sweep did, as `GET /api/retention` shows it. */
export interface SweepReport {
  id: number;
  startedAt: number;
  finishedAt: number | null;
  runsDeleted: number;
  rowsDeleted: number;
  blobsDeleted: number;
  bytesFreed: number;
  /** It stopped at its budget with expired runs left for the next one. */
  more: boolean;
  error: string | null;
}

/** Opens a sweep's report; answers its id. Keeps the latest 1,000 reports. */
export async function startSweep(db: D1Database, at: number): Promise<number> {
  const [row] = await db.batch([
    db.prepare(`INSERT INTO sweeps (started_at) VALUES (?) RETURNING id`).bind(at),
    db.prepare(`DELETE FROM sweeps WHERE id <= (SELECT max(id) FROM sweeps) - 1000`),
  ]);
  return (row!.results[0] as { id: number }).id;
}

/** Writes a sweep's tally (after each run, so a sweep that stops still says what it did). */
export async function recordSweep(
  db: D1Database,
  report: Omit<SweepReport, "startedAt">,
): Promise<void> {
  await db
    .prepare(
      `UPDATE sweeps SET finished_at = ?, runs_deleted = ?, rows_deleted = ?, blobs_deleted = ?,
         bytes_freed = ?, more = ?, error = ? WHERE id = ?`,
    )
    .bind(
      report.finishedAt,
      report.runsDeleted,
      report.rowsDeleted,
      report.blobsDeleted,
      report.bytesFreed,
      report.more ? 1 : 0,
      report.error,
      report.id,
    )
    .run();
}

/** The latest sweep's report, or null before the first. */
export async function latestSweep(db: D1Database): Promise<SweepReport | null> {
  const row = await db.prepare(`SELECT * FROM sweeps ORDER BY id DESC LIMIT 1`).first<{
    id: number;
    started_at: number;
    finished_at: number | null;
    runs_deleted: number;
    rows_deleted: number;
    blobs_deleted: number;
    bytes_freed: number;
    more: number;
    error: string | null;
  }>();
  if (!row) return null;
  return {
    id: row.id,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    runsDeleted: row.runs_deleted,
    rowsDeleted: row.rows_deleted,
    blobsDeleted: row.blobs_deleted,
    bytesFreed: row.bytes_freed,
    more: row.more === 1,
    error: row.error,
  };
}
