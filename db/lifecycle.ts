/**
 * D1 access for deleting runs (docs/LIFECYCLE.md): the run's rows in every table, the blobs it
 * held, and the tombstones that let a deletion stop half-way and resume.
 */

/** A run as deletion sees it. */
export interface RunForDeletion {
  id: string;
  tenantId: string;
  workflowId: string;
  status: string;
  held: boolean;
  deletingAt: number | null;
}

/** The run, whichever tenant's (the caller checks), or null. */
export async function runForDeletion(
  db: D1Database,
  runId: string,
): Promise<RunForDeletion | null> {
  const row = await db
    .prepare(`SELECT id, tenant_id, workflow_id, status, held, deleting_at FROM runs WHERE id = ?`)
    .bind(runId)
    .first<{
      id: string;
      tenant_id: string;
      workflow_id: string;
      status: string;
      held: number;
      deleting_at: number | null;
    }>();
  if (!row) return null;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    workflowId: row.workflow_id,
    status: row.status,
    held: row.held === 1,
    deletingAt: row.deleting_at,
  };
}

/** Marks the run as being deleted (lists stop showing it); false if it was already. */
export async function markDeleting(db: D1Database, runId: string, at: number): Promise<boolean> {
  const result = await db
    .prepare(`UPDATE runs SET deleting_at = ? WHERE id = ? AND deleting_at IS NULL`)
    .bind(at, runId)
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** Undoes `markDeleting` (its object refused: the run is active). */
export async function unmarkDeleting(db: D1Database, runId: string): Promise<void> {
  await db.prepare(`UPDATE runs SET deleting_at = NULL WHERE id = ?`).bind(runId).run();
}

/** Pins or unpins a run against retention; false when the tenant has no such run. */
export async function setHeld(
  db: D1Database,
  tenantId: string,
  runId: string,
  held: boolean,
): Promise<boolean> {
  const result = await db
    .prepare(`UPDATE runs SET held = ? WHERE id = ? AND tenant_id = ? AND deleting_at IS NULL`)
    .bind(held ? 1 : 0, runId, tenantId)
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/**
 * In one transaction: tombstones the R2 keys the run held (with their size), then deletes its
 * holds and its rows in every table but `runs`. Answers the rows deleted. Idempotent.
 */
export async function releaseRunRows(
  db: D1Database,
  run: { id: string; tenantId: string },
  at: number,
): Promise<number> {
  const statements = [
    db
      .prepare(
        `INSERT OR IGNORE INTO blob_deletions (key, run_id, at, bytes)
         SELECT key, ?, ?, max(bytes) FROM blobs WHERE run_id = ? GROUP BY key`,
      )
      .bind(run.id, at, run.id),
    db.prepare(`DELETE FROM blobs WHERE run_id = ?`).bind(run.id),
    db.prepare(`DELETE FROM node_executions WHERE run_id = ?`).bind(run.id),
    db.prepare(`DELETE FROM approvals WHERE run_id = ?`).bind(run.id),
    db.prepare(`DELETE FROM run_patches WHERE run_id = ?`).bind(run.id),
    db.prepare(`DELETE FROM trigger_deliveries WHERE run_id = ?`).bind(run.id),
    db
      .prepare(`DELETE FROM semantic_cache WHERE tenant_id = ? AND run_id = ?`)
      .bind(run.tenantId, run.id),
    db.prepare(`DELETE FROM key_sockets WHERE run_id = ?`).bind(run.id),
    db.prepare(`DELETE FROM event_waits WHERE run_id = ?`).bind(run.id),
    db.prepare(`DELETE FROM decision_links WHERE run_id = ?`).bind(run.id),
  ];
  const results = await db.batch(statements);
  return results.slice(1).reduce((sum, result) => sum + (result.meta.changes ?? 0), 0);
}

/** A key whose deletion the run started, with the bytes it held. */
export interface Released {
  key: string;
  bytes: number;
}

/** Keys the run's deletion tombstoned and has not yet finished, at most `limit`. */
export async function releasedKeys(
  db: D1Database,
  runId: string,
  limit: number,
): Promise<Released[]> {
  const rows = await db
    .prepare(`SELECT key, bytes FROM blob_deletions WHERE run_id = ? LIMIT ?`)
    .bind(runId, limit)
    .all<Released>();
  return rows.results;
}

/**
 * Of `keys` (at most 90), those no `blobs` row of any tenant names, after refreshing their
 * tombstones in the same transaction: the caller deletes them from R2 within
 * TOMBSTONE_FRESH_MS, and a writer that holds one of them from now on waits that out.
 */
export async function unreferencedKeys(
  db: D1Database,
  runId: string,
  keys: string[],
  at: number,
): Promise<string[]> {
  if (keys.length === 0) return [];
  const marks = keys.map(() => "?").join(", ");
  const [, referenced] = await db.batch([
    db
      .prepare(`UPDATE blob_deletions SET at = ? WHERE run_id = ? AND key IN (${marks})`)
      .bind(at, runId, ...keys),
    db.prepare(`SELECT DISTINCT key FROM blobs WHERE key IN (${marks})`).bind(...keys),
  ]);
  const kept = new Set((referenced!.results as { key: string }[]).map((row) => row.key));
  return keys.filter((key) => !kept.has(key));
}

/** Keys whose R2 objects are gone (or kept by another hold): their tombstones go. */
export async function forgetReleased(db: D1Database, runId: string, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  const marks = keys.map(() => "?").join(", ");
  await db
    .prepare(`DELETE FROM blob_deletions WHERE run_id = ? AND key IN (${marks})`)
    .bind(runId, ...keys)
    .run();
}

/** Of R2 keys found under the run's own prefixes, those no `blobs` row names (at most 90). */
export async function unnamedKeys(db: D1Database, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const marks = keys.map(() => "?").join(", ");
  const named = await db
    .prepare(`SELECT DISTINCT key FROM blobs WHERE key IN (${marks})`)
    .bind(...keys)
    .all<{ key: string }>();
  const kept = new Set(named.results.map((row) => row.key));
  return keys.filter((key) => !kept.has(key));
}

/** The last step: the run's own row. */
export async function deleteRunRow(db: D1Database, runId: string): Promise<number> {
  const result = await db.prepare(`DELETE FROM runs WHERE id = ?`).bind(runId).run();
  return result.meta.changes ?? 0;
}

/**
 * Runs whose deletion began by `now` and did not finish (a crash, a refused step), oldest
 * first. An import's runs are marked for a time ahead (db/archives.ts): they are left alone
 * until then, and deleted after it if the import died.
 */
export async function unfinishedDeletions(
  db: D1Database,
  now: number,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .prepare(
      `SELECT id FROM runs WHERE deleting_at IS NOT NULL AND deleting_at <= ?
       ORDER BY deleting_at LIMIT ?`,
    )
    .bind(now, limit)
    .all<{ id: string }>();
  return rows.results.map((row) => row.id);
}

/*
 * A workflow's runs are named by workflow and tenant: an imported run keeps the workflow id it
 * had where it ran (db/archives.ts), which may be another tenant's here.
 */

/** Runs of the workflow that are running or waiting (at most `limit`): they block its purge. */
export async function activeRunsOf(
  db: D1Database,
  workflow: { id: string; tenantId: string },
  limit: number,
): Promise<{ id: string; status: string }[]> {
  const rows = await db
    .prepare(
      `SELECT id, status FROM runs WHERE workflow_id = ? AND tenant_id = ?
       AND status IN ('running', 'waiting') AND deleting_at IS NULL LIMIT ?`,
    )
    .bind(workflow.id, workflow.tenantId, limit)
    .all<{ id: string; status: string }>();
  return rows.results;
}

/** How many runs the workflow has (being deleted or not). */
export async function countRunsOf(
  db: D1Database,
  workflow: { id: string; tenantId: string },
): Promise<number> {
  const row = await db
    .prepare(`SELECT count(*) AS n FROM runs WHERE workflow_id = ? AND tenant_id = ?`)
    .bind(workflow.id, workflow.tenantId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Marks the tenant's workflow deleted with its runs; false when it has no such workflow. */
export async function markWorkflowPurge(
  db: D1Database,
  tenantId: string,
  workflowId: string,
  at: number,
): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE workflows SET deleted_at = coalesce(deleted_at, ?1), purge_at = coalesce(purge_at, ?1)
       WHERE id = ?2 AND tenant_id = ?3`,
    )
    .bind(at, workflowId, tenantId)
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** Workflows deleted with their runs and not yet gone, oldest request first. */
export async function purgingWorkflows(
  db: D1Database,
  limit: number,
): Promise<{ id: string; tenantId: string }[]> {
  const rows = await db
    .prepare(
      `SELECT id, tenant_id FROM workflows WHERE purge_at IS NOT NULL ORDER BY purge_at LIMIT ?`,
    )
    .bind(limit)
    .all<{ id: string; tenant_id: string }>();
  return rows.results.map((row) => ({ id: row.id, tenantId: row.tenant_id }));
}

/** Some runs of the workflow, to delete next. */
export async function runsOf(
  db: D1Database,
  workflow: { id: string; tenantId: string },
  limit: number,
): Promise<string[]> {
  const rows = await db
    .prepare(`SELECT id FROM runs WHERE workflow_id = ? AND tenant_id = ? LIMIT ?`)
    .bind(workflow.id, workflow.tenantId, limit)
    .all<{ id: string }>();
  return rows.results.map((row) => row.id);
}

/**
 * The last step of a workflow's purge, once it has no run left: its versions (and their
 * pieces), triggers, delivery records, retention policy and its row, in one transaction.
 * Answers the rows deleted.
 */
export async function deleteWorkflowRows(
  db: D1Database,
  workflow: { id: string; tenantId: string },
): Promise<number> {
  const results = await db.batch([
    db.prepare(`DELETE FROM workflow_version_pieces WHERE workflow_id = ?`).bind(workflow.id),
    db.prepare(`DELETE FROM workflow_versions WHERE workflow_id = ?`).bind(workflow.id),
    db.prepare(`DELETE FROM trigger_deliveries WHERE workflow_id = ?`).bind(workflow.id),
    db.prepare(`DELETE FROM triggers WHERE workflow_id = ?`).bind(workflow.id),
    db
      .prepare(`DELETE FROM retention_policies WHERE tenant_id = ? AND workflow_id = ?`)
      .bind(workflow.tenantId, workflow.id),
    // Its series leave `GET /api/metrics` (a workflow deleted with `runs=keep` keeps them).
    db
      .prepare(`DELETE FROM metric_runs WHERE tenant_id = ? AND workflow_id = ?`)
      .bind(workflow.tenantId, workflow.id),
    db.prepare(`DELETE FROM workflows WHERE id = ?`).bind(workflow.id),
  ]);
  return results.reduce((sum, result) => sum + (result.meta.changes ?? 0), 0);
}

/** Runs of the tenant that are running or waiting (at most `limit`): they block its deletion. */
export async function activeRunsOfTenant(
  db: D1Database,
  tenantId: string,
  limit: number,
): Promise<{ id: string; status: string }[]> {
  const rows = await db
    .prepare(
      `SELECT id, status FROM runs WHERE tenant_id = ? AND status IN ('running', 'waiting')
       AND deleting_at IS NULL LIMIT ?`,
    )
    .bind(tenantId, limit)
    .all<{ id: string; status: string }>();
  return rows.results;
}

/**
 * Asks for all of a tenant's data to be deleted, in one transaction: the tenant and its
 * workflows are marked for the sweep, every key of it revoked and every session ended, so
 * nothing more is done in its name. Answers its runs and workflows to delete.
 */
export async function markTenantPurge(
  db: D1Database,
  tenantId: string,
  at: number,
): Promise<{ runs: number; workflows: number }> {
  const results = await db.batch([
    db
      .prepare(`UPDATE tenants SET purge_at = coalesce(purge_at, ?) WHERE id = ?`)
      .bind(at, tenantId),
    db
      .prepare(
        `UPDATE workflows SET deleted_at = coalesce(deleted_at, ?1), purge_at = coalesce(purge_at, ?1)
         WHERE tenant_id = ?2`,
      )
      .bind(at, tenantId),
    db
      .prepare(`DELETE FROM sessions WHERE key_id IN (SELECT id FROM api_keys WHERE tenant_id = ?)`)
      .bind(tenantId),
    db
      .prepare(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE tenant_id = ?`)
      .bind(at, tenantId),
    db.prepare(`SELECT count(*) AS n FROM runs WHERE tenant_id = ?`).bind(tenantId),
  ]);
  return {
    workflows: results[1]!.meta.changes ?? 0,
    runs: (results[4]!.results[0] as { n: number }).n,
  };
}

/** Tenants whose data is being deleted. */
export async function purgingTenants(db: D1Database, limit: number): Promise<string[]> {
  const rows = await db
    .prepare(`SELECT id FROM tenants WHERE purge_at IS NOT NULL ORDER BY purge_at LIMIT ?`)
    .bind(limit)
    .all<{ id: string }>();
  return rows.results.map((row) => row.id);
}

/** Some runs of the tenant, to delete next. */
export async function runsOfTenant(
  db: D1Database,
  tenantId: string,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .prepare(`SELECT id FROM runs WHERE tenant_id = ? ORDER BY created_at LIMIT ?`)
    .bind(tenantId, limit)
    .all<{ id: string }>();
  return rows.results.map((row) => row.id);
}

/** Some workflows of the tenant (deleted or not), to delete next. */
export async function workflowsOfTenant(
  db: D1Database,
  tenantId: string,
  limit: number,
): Promise<string[]> {
  const rows = await db
    .prepare(`SELECT id FROM workflows WHERE tenant_id = ? ORDER BY updated_at LIMIT ?`)
    .bind(tenantId, limit)
    .all<{ id: string }>();
  return rows.results.map((row) => row.id);
}

/**
 * The last step of deleting a tenant, once it has no run and no workflow left (their rows,
 * approvals, patches, triggers and holds went with them): its keys, sessions, sockets, secrets,
 * policies, cache entries, users, notification channels, trace export, MCP servers, audit
 * log, running totals (db/metrics.ts) and the tenant. Answers the rows deleted.
 */
export async function deleteTenantRows(db: D1Database, tenantId: string): Promise<number> {
  const keys = `SELECT id FROM api_keys WHERE tenant_id = ?`;
  const results = await db.batch([
    db.prepare(`DELETE FROM key_sockets WHERE key_id IN (${keys})`).bind(tenantId),
    db.prepare(`DELETE FROM sessions WHERE key_id IN (${keys})`).bind(tenantId),
    db.prepare(`DELETE FROM api_keys WHERE tenant_id = ?`).bind(tenantId),
    db.prepare(`DELETE FROM secrets WHERE tenant_id = ?`).bind(tenantId),
    db.prepare(`DELETE FROM retention_policies WHERE tenant_id = ?`).bind(tenantId),
    db.prepare(`DELETE FROM semantic_cache WHERE tenant_id = ?`).bind(tenantId),
    db.prepare(`DELETE FROM users WHERE tenant_id = ?`).bind(tenantId),
    db.prepare(`DELETE FROM notification_channels WHERE tenant_id = ?`).bind(tenantId),
    db.prepare(`DELETE FROM telemetry_otlp WHERE tenant_id = ?`).bind(tenantId),
    db.prepare(`DELETE FROM mcp_servers WHERE tenant_id = ?`).bind(tenantId),
    db.prepare(`DELETE FROM audit_log WHERE tenant_id = ?`).bind(tenantId),
    db.prepare(`DELETE FROM metric_runs WHERE tenant_id = ?`).bind(tenantId),
    db.prepare(`DELETE FROM metric_nodes WHERE tenant_id = ?`).bind(tenantId),
    db.prepare(`DELETE FROM metric_models WHERE tenant_id = ?`).bind(tenantId),
    db.prepare(`DELETE FROM metric_decisions WHERE tenant_id = ?`).bind(tenantId),
    db.prepare(`DELETE FROM tenants WHERE id = ?`).bind(tenantId),
  ]);
  return results.reduce((sum, result) => sum + (result.meta.changes ?? 0), 0);
}
