/**
 * The running totals behind `GET /api/metrics` (docs/OBSERVABILITY.md): what each ended run and
 * each decided approval adds (written in the batch that projects it, db/projection.ts, or that
 * ends a queued run, db/runs.ts), and the reads a scrape makes.
 *
 * Exactly once: every increment is guarded by the row it comes with not having ended yet in
 * D1 (a run's `finished_at`, an approval's `decided_at`, a queued run's `status`), and goes
 * before the statement that ends it, in the same batch (one transaction). A projection repeated
 * after a crash, or after an answer lost on the way back, finds the row ended and adds nothing.
 *
 * A scrape reads one row per series: the tenant's rows by primary key, and the count of its
 * pending approvals by `(tenant_id, status)`. The operator's view (`scope=all`) sums the rows
 * of every tenant, one read per series of each tenant, never a read per run.
 */
import { BUCKETS, type KindTotals, type ModelTotals } from "../core/metrics";

/** Bucket columns of a histogram table, `b0` … `b13`. */
const BUCKET_COLUMNS = Array.from({ length: BUCKETS }, (_, i) => `b${i}`);

/** The columns of a `json_each` row that is a JSON array, in order. */
const picks = (cols: readonly string[]) => cols.map((_, i) => `value ->> ${i}`).join(", ");

/** `c = c + excluded.c` for each column: an upsert that adds. */
const adding = (cols: readonly string[]) =>
  cols.map((c) => `${c} = ${c} + excluded.${c}`).join(", ");

/** An ended run's D1 row has not been projected as ended yet (binds the run's id). */
const RUN_UNENDED = `NOT EXISTS (SELECT 1 FROM runs WHERE id = ? AND finished_at IS NOT NULL)`;

export interface EndedRun {
  id: string;
  tenantId: string;
  workflowId: string;
  status: "completed" | "failed" | "cancelled";
}

/**
 * What an ended run adds: the run (by workflow and status), its attempts by kind, its usage by
 * model. Each applies only while the run's row has not ended: put them before its upsert.
 */
export function runEndIncrements(
  db: D1Database,
  run: EndedRun,
  totals: { nodes: readonly KindTotals[]; models: readonly ModelTotals[] },
): D1PreparedStatement[] {
  const out = [
    db
      .prepare(
        `INSERT INTO metric_runs (tenant_id, workflow_id, status, runs)
         SELECT ?, ?, ?, 1 WHERE ${RUN_UNENDED}
         ON CONFLICT (tenant_id, workflow_id, status) DO UPDATE SET runs = runs + 1`,
      )
      .bind(run.tenantId, run.workflowId, run.status, run.id),
  ];
  // Every kind in one statement (a JSON array), so a run of many kinds stays one statement.
  if (totals.nodes.length > 0) {
    const cols = [
      "kind",
      "succeeded",
      "failed",
      "retried",
      "timed",
      "duration_ms",
      ...BUCKET_COLUMNS,
    ];
    const rows = totals.nodes.map((k) => [
      k.kind,
      k.succeeded,
      k.failed,
      k.retried,
      k.timed,
      k.durationMs,
      ...k.buckets,
    ]);
    out.push(
      db
        .prepare(
          `INSERT INTO metric_nodes (tenant_id, ${cols.join(", ")})
           SELECT ?, ${picks(cols)} FROM json_each(?) WHERE ${RUN_UNENDED}
           ON CONFLICT (tenant_id, kind) DO UPDATE SET ${adding(cols.slice(1))}`,
        )
        .bind(run.tenantId, JSON.stringify(rows), run.id),
    );
  }
  if (totals.models.length > 0) {
    const cols = [
      "model",
      "prompt_tokens",
      "completion_tokens",
      "cached_tokens",
      "calls",
      "cost_usd",
    ];
    const rows = totals.models.map((m) => [
      m.model,
      m.promptTokens,
      m.completionTokens,
      m.cachedTokens,
      m.calls,
      m.costUsd,
    ]);
    out.push(
      db
        .prepare(
          `INSERT INTO metric_models (tenant_id, ${cols.join(", ")})
           SELECT ?, ${picks(cols)} FROM json_each(?) WHERE ${RUN_UNENDED}
           ON CONFLICT (tenant_id, model) DO UPDATE SET ${adding(cols.slice(1))}`,
        )
        .bind(run.tenantId, JSON.stringify(rows), run.id),
    );
  }
  return out;
}

/**
 * A queued run that ends without starting (cancelled, or its start refused for good) or a run
 * whose object could not be created: the run's row is read for its tenant and workflow, and
 * `unended` is the condition under which the statement after this one will end it.
 */
export function runRowEndIncrement(
  db: D1Database,
  runId: string,
  status: EndedRun["status"],
  unended: "queued" | "never-projected",
): D1PreparedStatement {
  const still = unended === "queued" ? `status = 'queued'` : `events = 0 AND finished_at IS NULL`;
  return db
    .prepare(
      `INSERT INTO metric_runs (tenant_id, workflow_id, status, runs)
       SELECT tenant_id, workflow_id, ?, 1 FROM runs WHERE id = ? AND ${still}
       ON CONFLICT (tenant_id, workflow_id, status) DO UPDATE SET runs = runs + 1`,
    )
    .bind(status, runId);
}

/** A decided approval (approved, rejected, timed out), once: before the upsert that records it. */
export function decisionIncrement(
  db: D1Database,
  approval: {
    runId: string;
    nodeId: string;
    attempt: number;
    tenantId: string;
    decision: "approved" | "rejected" | "timeout";
    waitedMs: number;
    /** The histogram bucket of the wait (`BUCKETS`: past the last bound). */
    bucket: number;
  },
): D1PreparedStatement {
  const cols = ["count", "duration_ms", ...BUCKET_COLUMNS];
  const row = [
    1,
    approval.waitedMs,
    ...BUCKET_COLUMNS.map((_, i) => (i === approval.bucket ? 1 : 0)),
  ];
  return db
    .prepare(
      `INSERT INTO metric_decisions (tenant_id, decision, ${cols.join(", ")})
       SELECT ?, ?, ${picks(cols)} FROM json_each(?)
       WHERE NOT EXISTS (SELECT 1 FROM approvals WHERE run_id = ? AND node_id = ? AND attempt = ?
         AND decided_at IS NOT NULL)
       ON CONFLICT (tenant_id, decision) DO UPDATE SET ${adding(cols)}`,
    )
    .bind(
      approval.tenantId,
      approval.decision,
      JSON.stringify([row]),
      approval.runId,
      approval.nodeId,
      approval.attempt,
    );
}

export interface HistogramRow {
  /** Counts per finite bucket, not cumulated. */
  buckets: number[];
  count: number;
  durationMs: number;
}

export interface MetricTotals {
  /** Runs ended by workflow (with its name, while it has one) and status. */
  runs: { workflowId: string; name: string | null; status: string; runs: number }[];
  nodes: (HistogramRow & { kind: string; succeeded: number; failed: number; retried: number })[];
  models: ModelTotals[];
  decisions: (HistogramRow & { decision: string })[];
  /** Approvals waiting for a decision now (a gauge, counted from `approvals`). */
  pendingApprovals: number;
}

type Row = Record<string, number | string | null>;

const histogram = (row: Row, count: string): HistogramRow => ({
  buckets: BUCKET_COLUMNS.map((c) => Number(row[c] ?? 0)),
  count: Number(row[count] ?? 0),
  durationMs: Number(row.duration_ms ?? 0),
});

function totalsOf(rows: Row[][]): MetricTotals {
  const [runs, nodes, models, decisions, pending] = rows as [Row[], Row[], Row[], Row[], Row[]];
  return {
    runs: runs.map((r) => ({
      workflowId: String(r.workflow_id),
      name: r.name === null || r.name === undefined ? null : String(r.name),
      status: String(r.status),
      runs: Number(r.runs),
    })),
    nodes: nodes.map((r) => ({
      kind: String(r.kind),
      succeeded: Number(r.succeeded),
      failed: Number(r.failed),
      retried: Number(r.retried),
      ...histogram(r, "timed"),
    })),
    models: models.map((r) => ({
      model: String(r.model),
      promptTokens: Number(r.prompt_tokens),
      completionTokens: Number(r.completion_tokens),
      cachedTokens: Number(r.cached_tokens),
      calls: Number(r.calls),
      costUsd: Number(r.cost_usd),
    })),
    decisions: decisions.map((r) => ({ decision: String(r.decision), ...histogram(r, "count") })),
    pendingApprovals: Number(pending[0]?.n ?? 0),
  };
}

const NODE_SUMS = ["succeeded", "failed", "retried", "timed", "duration_ms", ...BUCKET_COLUMNS]
  .map((c) => `sum(${c}) AS ${c}`)
  .join(", ");
const DECISION_SUMS = ["count", "duration_ms", ...BUCKET_COLUMNS]
  .map((c) => `sum(${c}) AS ${c}`)
  .join(", ");

/** A tenant's totals, one row per series. */
export async function metricTotals(db: D1Database, tenantId: string): Promise<MetricTotals> {
  const results = await db.batch<Row>([
    db
      .prepare(
        `SELECT m.workflow_id, m.status, m.runs, w.name FROM metric_runs m
         LEFT JOIN workflows w ON w.id = m.workflow_id AND w.tenant_id = m.tenant_id
         WHERE m.tenant_id = ? ORDER BY m.workflow_id, m.status`,
      )
      .bind(tenantId),
    db.prepare(`SELECT * FROM metric_nodes WHERE tenant_id = ? ORDER BY kind`).bind(tenantId),
    db.prepare(`SELECT * FROM metric_models WHERE tenant_id = ? ORDER BY model`).bind(tenantId),
    db
      .prepare(`SELECT * FROM metric_decisions WHERE tenant_id = ? ORDER BY decision`)
      .bind(tenantId),
    db
      .prepare(`SELECT count(*) AS n FROM approvals WHERE tenant_id = ? AND status = 'pending'`)
      .bind(tenantId),
  ]);
  return totalsOf(results.map((r) => r.results));
}

/**
 * Every tenant's totals summed (the operator's view): runs by status only (workflows are a
 * tenant's), the rest by the same labels as a tenant's.
 */
export async function operatorTotals(db: D1Database): Promise<MetricTotals> {
  const results = await db.batch<Row>([
    db.prepare(
      `SELECT '' AS workflow_id, status, sum(runs) AS runs, NULL AS name FROM metric_runs
       GROUP BY status ORDER BY status`,
    ),
    db.prepare(`SELECT kind, ${NODE_SUMS} FROM metric_nodes GROUP BY kind ORDER BY kind`),
    db.prepare(
      `SELECT model, sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens,
         sum(cached_tokens) AS cached_tokens, sum(calls) AS calls, sum(cost_usd) AS cost_usd
       FROM metric_models GROUP BY model ORDER BY model`,
    ),
    db.prepare(
      `SELECT decision, ${DECISION_SUMS} FROM metric_decisions GROUP BY decision ORDER BY decision`,
    ),
    db.prepare(`SELECT count(*) AS n FROM approvals WHERE status = 'pending'`),
  ]);
  return totalsOf(results.map((r) => r.results));
}
