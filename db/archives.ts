/**
 * D1 access for exporting runs and importing archived ones (docs/LIFECYCLE.md, "Export and
 * import"). An import writes its runs' rows marked `deleting_at` in the future (a lease): they
 * are listed nowhere and, should the import die, the sweep deletes them once the lease is over.
 * A finished import seals them all at once.
 */
import type { RunTrigger } from "./runs";

/** A run's row as an export shows it. */
export interface ExportedRunRow {
  trigger: RunTrigger;
  held: boolean;
  status: string;
  workflowName: string | null;
}

/** The tenant's run as its export needs it, or null (another tenant's, or being deleted). */
export async function runForExport(
  db: D1Database,
  tenantId: string,
  runId: string,
): Promise<ExportedRunRow | null> {
  const row = await db
    .prepare(
      `SELECT r.trigger, r.held, r.status, w.name AS workflow_name FROM runs r
       LEFT JOIN workflows w ON w.id = r.workflow_id AND w.tenant_id = r.tenant_id
       WHERE r.id = ? AND r.tenant_id = ? AND r.deleting_at IS NULL`,
    )
    .bind(runId, tenantId)
    .first<{ trigger: RunTrigger; held: number; status: string; workflow_name: string | null }>();
  if (!row) return null;
  return {
    trigger: row.trigger,
    held: row.held === 1,
    status: row.status,
    workflowName: row.workflow_name,
  };
}

/** A blob a run holds. */
export interface HeldBlob {
  hash: string;
  key: string;
  bytes: number;
  contentType: string;
}

/** The blobs the run holds, by hash, after `afterHash`, at most `limit`. */
export async function runHolds(
  db: D1Database,
  runId: string,
  afterHash: string,
  limit: number,
): Promise<HeldBlob[]> {
  const rows = await db
    .prepare(
      `SELECT hash, key, bytes, content_type FROM blobs WHERE run_id = ? AND hash > ?
       ORDER BY hash LIMIT ?`,
    )
    .bind(runId, afterHash, limit)
    .all<{ hash: string; key: string; bytes: number; content_type: string }>();
  return rows.results.map((r) => ({
    hash: r.hash,
    key: r.key,
    bytes: r.bytes,
    contentType: r.content_type,
  }));
}

/** An imported run's row, as its archive describes it. */
export interface ImportedRun {
  id: string;
  tenantId: string;
  workflowId: string;
  version: number;
  status: "completed" | "failed" | "cancelled";
  error: string | null;
  outputHash: string | null;
  createdAt: number;
  finishedAt: number | null;
  tokens: number;
  costUsd: number | null;
  events: number;
  trigger: RunTrigger;
  held: boolean;
  /** Its id where it ran. */
  archivedFrom: string;
}

/** Records an imported run, invisible until sealed: its deletion lease ends at `leaseUntil`. */
export async function insertImportedRun(
  db: D1Database,
  run: ImportedRun,
  leaseUntil: number,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO runs (id, tenant_id, workflow_id, version, status, error, output_hash,
         created_at, finished_at, tokens, cost_usd, events, trigger, held, deleting_at,
         archived_from)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      run.id,
      run.tenantId,
      run.workflowId,
      run.version,
      run.status,
      run.error,
      run.outputHash,
      run.createdAt,
      run.finishedAt,
      run.tokens,
      run.costUsd,
      run.events,
      run.trigger,
      run.held ? 1 : 0,
      leaseUntil,
      run.archivedFrom,
    )
    .run();
}

/** Runs sealed per statement (D1 binds at most 100 parameters). */
const RUNS_PER_SEAL = 90;

/** Makes a finished import's runs visible, all in one transaction. */
export async function sealImportedRuns(
  db: D1Database,
  runIds: string[],
  at: number,
): Promise<void> {
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < runIds.length; i += RUNS_PER_SEAL) {
    const chunk = runIds.slice(i, i + RUNS_PER_SEAL);
    statements.push(
      db
        .prepare(
          `UPDATE runs SET deleting_at = NULL, archived_at = ?
           WHERE id IN (${chunk.map(() => "?").join(", ")}) AND archived_from IS NOT NULL`,
        )
        .bind(at, ...chunk),
    );
  }
  if (statements.length > 0) await db.batch(statements);
}
