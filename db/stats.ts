/**
 * D1 aggregates for `GET /api/stats` and `aob stats` (docs/OBSERVABILITY.md): a tenant's runs,
 * node attempts, model usage and approvals over a time range, optionally of one workflow. All
 * of them go in one batch (one round trip). Each is bounded: the range is at most
 * `MAX_RANGE_MS` long (the route checks it), and what a percentile or a node figure reads is
 * capped at `sample` rows, the newest first; an answer says when it was capped.
 *
 * Every statement reads through an index (test/workerd/query-plans.test.ts): runs by
 * `(tenant_id, created_at)` or `(tenant_id, finished_at)` (by workflow: `(workflow_id, …)`),
 * a run's executions by their primary key (those with usage by `node_executions_usage`),
 * approvals by `(tenant_id, status, created_at)`, a gated run's start by `(tenant_id,
 * started_at)` or `(workflow_id, started_at)` (partial indexes of the runs that have a gate),
 * the runs queued now by `(tenant_id, status, …)`.
 * Archived runs (imported from elsewhere) and runs being deleted are left out.
 */

/** What to aggregate: `since` inclusive, `until` exclusive (ms), buckets of `bucketMs`. */
export interface StatsWindow {
  tenantId: string;
  workflowId?: string;
  since: number;
  until: number;
  bucketMs: number;
}

export interface StatsLimits {
  /** Rows a percentile, node or usage figure reads at most (the newest). */
  sample: number;
  /** Entries in a top list (slowest nodes, failing nodes, workflows by tokens). */
  top: number;
}

/** Nearest-rank percentiles of durations (ms); null without observations. */
export interface Percentiles {
  n: number;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface NodeFigure {
  workflowId: string;
  /** The workflow's name now (null once it is gone). */
  workflowName: string | null;
  nodeId: string;
  kind: string;
  /** Attempts in the sample, and executions (a node's attempts in one run and iteration). */
  attempts: number;
  executions: number;
  /** Executions that failed for good (their last attempt failed). */
  failures: number;
  /** Attempts that failed and were tried again. */
  retries: number;
  meanMs: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}

export interface RawStats {
  started: { t: number; n: number }[];
  ended: { t: number; status: string; n: number; tokens: number; costUsd: number }[];
  durations: Percentiles;
  slowest: NodeFigure[];
  failing: NodeFigure[];
  attempts: { attempts: number; executions: number; failures: number; retries: number };
  models: {
    t: number;
    model: string;
    promptTokens: number;
    completionTokens: number;
    cachedTokens: number;
    calls: number;
    costUsd: number;
  }[];
  /** Agent executions read for `models` (capped at the sample). */
  modelExecutions: number;
  workflows: {
    workflowId: string;
    name: string | null;
    runs: number;
    tokens: number;
    costUsd: number;
  }[];
  decisions: Percentiles & { approved: number; rejected: number; timeout: number };
  pending: number;
  /** Waits in the queue of gated runs that began in the window (`started_at - created_at`). */
  queue: Percentiles;
  /** Runs queued now. */
  queued: number;
}

/*
 * Parameters, numbered so each statement names them once however often it uses them:
 * ?1 tenant, ?2 since, ?3 until, ?4 bucket size, ?5 sample, ?6 top, ?7 workflow.
 */

/** The runs of the window, by the column the range applies to. */
function runsIn(w: StatsWindow, column: "created_at" | "finished_at", alias = ""): string {
  const a = alias ? `${alias}.` : "";
  return [
    w.workflowId === undefined ? "" : `${a}workflow_id = ?7 AND`,
    `${a}tenant_id = ?1 AND ${a}${column} >= ?2 AND ${a}${column} < ?3`,
    `AND ${a}deleting_at IS NULL AND ${a}archived_from IS NULL`,
  ].join(" ");
}

/** The bucket size as an integer: D1 may bind a number as a real, and `/` must not. */
const BUCKET = "CAST(?4 AS INTEGER)";

/** Nearest rank: the smallest value whose rank reaches `q` percent of `n`. */
const PERCENTILES = `count(*) AS n, avg(ms) AS mean, max(ms) AS max,
  min(CASE WHEN rn * 100 >= n * 50 THEN ms END) AS p50,
  min(CASE WHEN rn * 100 >= n * 95 THEN ms END) AS p95,
  min(CASE WHEN rn * 100 >= n * 99 THEN ms END) AS p99`;

const ranked = (durations: string) => `WITH d AS (${durations}),
  q AS (SELECT ms, row_number() OVER (ORDER BY ms) AS rn, count(*) OVER () AS n FROM d)`;

/** A top list's workflow name (a run's workflow is its tenant's: ids are unique). */
const NAME = "(SELECT name FROM workflows WHERE id = w) AS name";

function statements(w: StatsWindow): Record<string, string> {
  const executions = `SELECT r.workflow_id AS w, x.node_id AS node, x.type AS kind,
      x.status AS status, x.run_id AS run, x.iteration AS it, x.attempt AS attempt,
      x.finished_at - x.started_at AS ms,
      x.attempt = (SELECT max(attempt) FROM node_executions y WHERE y.run_id = x.run_id
        AND y.node_id = x.node_id AND y.iteration = x.iteration) AS last
    FROM runs r JOIN node_executions x ON x.run_id = r.id
    WHERE ${runsIn(w, "finished_at", "r")} ORDER BY r.finished_at DESC LIMIT ?5`;
  return {
    started: `SELECT (created_at / ${BUCKET}) * ${BUCKET} AS t, count(*) AS n FROM runs
      WHERE ${runsIn(w, "created_at")} GROUP BY t ORDER BY t`,
    ended: `SELECT (finished_at / ${BUCKET}) * ${BUCKET} AS t, status, count(*) AS n,
        coalesce(sum(tokens), 0) AS tokens, total(cost_usd) AS costUsd
      FROM runs WHERE ${runsIn(w, "finished_at")} GROUP BY t, status ORDER BY t`,
    durations: `${ranked(`SELECT finished_at - created_at AS ms FROM runs
        WHERE ${runsIn(w, "finished_at")} ORDER BY finished_at DESC LIMIT ?5`)}
      SELECT ${PERCENTILES} FROM q`,
    // Per node of a workflow: attempts, executions (last attempt per run and iteration),
    // failures for good, retries, and durations; then the slowest, the most failing, the totals.
    // The cost is the sample's sorts (bench/dashboard.ts): the last attempt is found by its
    // primary key, not by a window over (run, node, iteration), and the rank and the count of a
    // node's durations share one window (one sort).
    nodes: `WITH e AS (${executions}),
      k AS (SELECT *,
          row_number() OVER d AS rn,
          count(*) OVER (d ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n
        FROM e WINDOW d AS (PARTITION BY w, node, ms IS NULL ORDER BY ms)),
      g AS (SELECT w, node, max(kind) AS kind, count(*) AS attempts,
          sum(last) AS executions, sum(last AND status <> 'succeeded') AS failures,
          sum(NOT last) AS retries, avg(ms) AS meanMs, max(ms) AS maxMs,
          min(CASE WHEN ms IS NOT NULL AND rn * 100 >= n * 95 THEN ms END) AS p95Ms
        FROM k GROUP BY w, node)
      SELECT 'slowest' AS list, *, ${NAME} FROM (SELECT * FROM g WHERE p95Ms IS NOT NULL
        ORDER BY p95Ms DESC, meanMs DESC, w, node LIMIT ?6)
      UNION ALL SELECT 'failing' AS list, *, ${NAME} FROM (SELECT * FROM g WHERE failures > 0
        ORDER BY failures DESC, attempts DESC, w, node LIMIT ?6)
      UNION ALL SELECT 'total', NULL, NULL, NULL, coalesce(sum(attempts), 0),
        coalesce(sum(executions), 0), coalesce(sum(failures), 0), coalesce(sum(retries), 0),
        NULL, NULL, NULL, NULL FROM g`,
    // Model usage is counted when its run ends, in the run's bucket.
    models: `WITH u AS (SELECT r.finished_at AS f, x.usage AS usage
        FROM runs r JOIN node_executions x ON x.run_id = r.id
        WHERE ${runsIn(w, "finished_at", "r")} AND x.usage IS NOT NULL
        ORDER BY r.finished_at DESC LIMIT ?5)
      SELECT (f / ${BUCKET}) * ${BUCKET} AS t, json_extract(usage, '$.model') AS model,
        sum(json_extract(usage, '$.promptTokens')) AS promptTokens,
        sum(json_extract(usage, '$.completionTokens')) AS completionTokens,
        sum(json_extract(usage, '$.cachedTokens')) AS cachedTokens,
        sum(json_extract(usage, '$.calls')) AS calls,
        total(json_extract(usage, '$.costUsd')) AS costUsd,
        sum(count(*)) OVER () AS executions
      FROM u GROUP BY t, model ORDER BY t, model`,
    workflows: `SELECT workflow_id AS workflowId,
        (SELECT name FROM workflows WHERE id = runs.workflow_id) AS name, count(*) AS runs,
        coalesce(sum(tokens), 0) AS tokens, total(cost_usd) AS costUsd
      FROM runs WHERE ${runsIn(w, "finished_at")}
      GROUP BY workflow_id HAVING sum(tokens) > 0 ORDER BY tokens DESC, workflow_id LIMIT ?6`,
    // People's decisions on approvals requested in the window; timeouts counted apart.
    decisions: `${ranked(`SELECT decided_at - created_at AS ms FROM approvals
        WHERE tenant_id = ?1 AND status IN ('approved', 'rejected')
        AND created_at >= ?2 AND created_at < ?3 AND decided_at IS NOT NULL
        ${w.workflowId === undefined ? "" : "AND workflow_id = ?7"}
        ORDER BY created_at DESC LIMIT ?5`)}
      SELECT ${PERCENTILES},
        (SELECT count(*) FROM approvals WHERE tenant_id = ?1 AND status = 'approved'
          AND created_at >= ?2 AND created_at < ?3
          ${w.workflowId === undefined ? "" : "AND workflow_id = ?7"}) AS approved,
        (SELECT count(*) FROM approvals WHERE tenant_id = ?1 AND status = 'rejected'
          AND created_at >= ?2 AND created_at < ?3
          ${w.workflowId === undefined ? "" : "AND workflow_id = ?7"}) AS rejected,
        (SELECT count(*) FROM approvals WHERE tenant_id = ?1 AND status = 'timeout'
          AND created_at >= ?2 AND created_at < ?3
          ${w.workflowId === undefined ? "" : "AND workflow_id = ?7"}) AS timeout
      FROM q`,
    // Runs of workflows with a concurrency limit that began in the window: each one's wait in
    // its queue (a run its gate started at once waited about nothing).
    queue: `${ranked(`SELECT started_at - created_at AS ms FROM runs
        WHERE ${w.workflowId === undefined ? "" : "workflow_id = ?7 AND"} tenant_id = ?1
        AND gate IS NOT NULL AND started_at >= ?2 AND started_at < ?3
        AND deleting_at IS NULL AND archived_from IS NULL
        ORDER BY started_at DESC LIMIT ?5`)}
      SELECT ${PERCENTILES} FROM q`,
    // Runs waiting in a queue now, whenever they were started.
    // (`+workflow_id`: through the tenant's queued runs, not every run of the workflow.)
    queued: `SELECT count(*) AS n FROM runs WHERE tenant_id = ?1 AND status = 'queued'
      AND deleting_at IS NULL ${w.workflowId === undefined ? "" : "AND +workflow_id = ?7"}`,
    // Waiting now, whenever requested.
    pending: `SELECT count(*) AS n FROM approvals WHERE tenant_id = ?1 AND status = 'pending'
      ${w.workflowId === undefined ? "" : "AND workflow_id = ?7"}`,
  };
}

type Row = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const numOrNull = (v: unknown): number | null => (typeof v === "number" ? v : null);

function percentiles(row: Row | undefined): Percentiles {
  return {
    n: num(row?.n),
    mean: numOrNull(row?.mean),
    p50: numOrNull(row?.p50),
    p95: numOrNull(row?.p95),
    p99: numOrNull(row?.p99),
    max: numOrNull(row?.max),
  };
}

function nodeFigure(row: Row): NodeFigure {
  return {
    workflowId: String(row.w),
    workflowName: typeof row.name === "string" ? row.name : null,
    nodeId: String(row.node),
    kind: String(row.kind),
    attempts: num(row.attempts),
    executions: num(row.executions),
    failures: num(row.failures),
    retries: num(row.retries),
    meanMs: numOrNull(row.meanMs),
    p95Ms: numOrNull(row.p95Ms),
    maxMs: numOrNull(row.maxMs),
  };
}

/** Every figure of the window, in one batch. */
export async function tenantStats(
  db: D1Database,
  w: StatsWindow,
  limits: StatsLimits,
): Promise<RawStats> {
  const sql = statements(w);
  const names = Object.keys(sql);
  const binds = [w.tenantId, w.since, w.until, w.bucketMs, limits.sample, limits.top];
  if (w.workflowId !== undefined) binds.push(w.workflowId);
  // A statement takes as many parameters as the highest number it names.
  const results = await db.batch<Row>(
    names.map((name) => {
      const text = sql[name]!;
      const count = Math.max(...[...text.matchAll(/\?(\d+)/g)].map((m) => Number(m[1])));
      return db.prepare(text).bind(...binds.slice(0, count));
    }),
  );
  const rows = Object.fromEntries(names.map((name, i) => [name, results[i]!.results]));
  const nodes = rows.nodes!;
  const total = nodes.find((r) => r.list === "total");
  const decisions = rows.decisions![0];
  return {
    started: rows.started!.map((r) => ({ t: num(r.t), n: num(r.n) })),
    ended: rows.ended!.map((r) => ({
      t: num(r.t),
      status: String(r.status),
      n: num(r.n),
      tokens: num(r.tokens),
      costUsd: num(r.costUsd),
    })),
    durations: percentiles(rows.durations![0]),
    slowest: nodes.filter((r) => r.list === "slowest").map(nodeFigure),
    failing: nodes.filter((r) => r.list === "failing").map(nodeFigure),
    attempts: {
      attempts: num(total?.attempts),
      executions: num(total?.executions),
      failures: num(total?.failures),
      retries: num(total?.retries),
    },
    models: rows.models!.map((r) => ({
      t: num(r.t),
      model: String(r.model),
      promptTokens: num(r.promptTokens),
      completionTokens: num(r.completionTokens),
      cachedTokens: num(r.cachedTokens),
      calls: num(r.calls),
      costUsd: num(r.costUsd),
    })),
    modelExecutions: num(rows.models![0]?.executions),
    workflows: rows.workflows!.map((r) => ({
      workflowId: String(r.workflowId),
      name: typeof r.name === "string" ? r.name : null,
      runs: num(r.runs),
      tokens: num(r.tokens),
      costUsd: num(r.costUsd),
    })),
    decisions: {
      ...percentiles(decisions),
      approved: num(decisions?.approved),
      rejected: num(decisions?.rejected),
      timeout: num(decisions?.timeout),
    },
    pending: num(rows.pending![0]?.n),
    queue: percentiles(rows.queue![0]),
    queued: num(rows.queued![0]?.n),
  };
}
