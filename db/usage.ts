/**
 * D1 access for what a tenant stores (`GET /api/usage`, docs/LIFECYCLE.md): runs by status,
 * their events and node executions, and the bytes of the blobs its runs hold (each R2 object
 * counted once, however many runs hold it).
 */

export interface TenantUsage {
  runs: number;
  runsByStatus: Record<string, number>;
  heldRuns: number;
  /** Events in the runs' logs (as of each run's last projection). */
  events: number;
  /** Node execution rows (one per attempt per iteration of an ended run). */
  executions: number;
  /** Distinct stored objects the tenant's runs hold, and their bytes. */
  blobs: number;
  blobBytes: number;
}

/** What the tenant stores now; runs being deleted are no longer counted. */
export async function tenantUsage(db: D1Database, tenantId: string): Promise<TenantUsage> {
  const [byStatus, executions, stored] = await db.batch([
    db
      .prepare(
        `SELECT status, count(*) AS runs, sum(held) AS held, sum(events) AS events FROM runs
         WHERE tenant_id = ? AND deleting_at IS NULL GROUP BY status`,
      )
      .bind(tenantId),
    db
      .prepare(
        `SELECT count(*) AS n FROM node_executions WHERE run_id IN
           (SELECT id FROM runs WHERE tenant_id = ? AND deleting_at IS NULL)`,
      )
      .bind(tenantId),
    db
      .prepare(
        `SELECT count(*) AS blobs, coalesce(sum(bytes), 0) AS bytes FROM
           (SELECT key, max(bytes) AS bytes FROM blobs WHERE tenant_id = ? GROUP BY key)`,
      )
      .bind(tenantId),
  ]);
  const statuses = byStatus!.results as {
    status: string;
    runs: number;
    held: number;
    events: number;
  }[];
  const runsByStatus = Object.fromEntries(statuses.map((s) => [s.status, s.runs]));
  const sum = (pick: (s: (typeof statuses)[number]) => number) =>
    statuses.reduce((total, s) => total + (pick(s) ?? 0), 0);
  const blobRow = stored!.results[0] as { blobs: number; bytes: number };
  return {
    runs: sum((s) => s.runs),
    runsByStatus,
    heldRuns: sum((s) => s.held),
    events: sum((s) => s.events),
    executions: (executions!.results[0] as { n: number }).n,
    blobs: blobRow.blobs,
    blobBytes: blobRow.bytes,
  };
}
