/**
 * Seeds one tenant's D1 with a dashboard's worth of history for bench/dashboard.ts (issue 23):
 * `total` runs spread evenly over `spanMs` up to `end`, across the workflows of `WORKFLOWS`,
 * each with its node executions as the projection writes them (a row per attempt: some http
 * attempts failed and retried, agents with tokens, model and cost), the approvals of the
 * workflow that asks for one, and the running totals `/api/metrics` reads. Runs in the bench
 * Worker only (`/bench/dashboard/*`); no production route seeds.
 *
 * Everything is generated in SQL (a recursive CTE over the run index), chunk by chunk, so
 * 100,000 runs cost a few dozen requests, not 600,000 bound statements. The "random" parts are
 * a hash of the run index: a seed gives the same rows every time.
 */
import { BUCKETS, DECISION_BOUNDS, NODE_DURATION_BOUNDS } from "../core/metrics";

interface SeedNode {
  id: string;
  type: "http" | "transform" | "agent" | "approval";
  /** Duration range of an attempt, ms. */
  lo: number;
  hi: number;
}

interface SeedWorkflow {
  suffix: string;
  name: string;
  /** Share of the runs, percent (the shares add up to 100). */
  share: number;
  nodes: SeedNode[];
}

export const WORKFLOWS: readonly SeedWorkflow[] = [
  {
    suffix: "orders",
    name: "orders",
    share: 40,
    nodes: [
      { id: "fetch", type: "http", lo: 40, hi: 600 },
      { id: "validate", type: "transform", lo: 1, hi: 15 },
      { id: "charge", type: "http", lo: 150, hi: 1_500 },
      { id: "notify", type: "http", lo: 30, hi: 400 },
    ],
  },
  {
    suffix: "refunds",
    name: "refund approvals",
    share: 10,
    nodes: [
      { id: "classify", type: "agent", lo: 800, hi: 6_000 },
      { id: "approve", type: "approval", lo: 30_000, hi: 14_400_000 },
      { id: "refund", type: "http", lo: 100, hi: 900 },
    ],
  },
  {
    suffix: "sync",
    name: "nightly sync",
    share: 30,
    nodes: [
      { id: "pull", type: "http", lo: 200, hi: 3_000 },
      { id: "shape", type: "transform", lo: 2, hi: 40 },
      { id: "push", type: "http", lo: 100, hi: 2_000 },
    ],
  },
  {
    suffix: "leads",
    name: "enrich leads",
    share: 20,
    nodes: [
      { id: "lookup", type: "http", lo: 80, hi: 900 },
      { id: "summarise", type: "agent", lo: 1_500, hi: 12_000 },
      { id: "score", type: "transform", lo: 1, hi: 10 },
      { id: "store", type: "http", lo: 40, hi: 500 },
    ],
  },
];

export const workflowId = (tenantId: string, w: SeedWorkflow) => `wf_${tenantId}_${w.suffix}`;

/** Models an agent attempt used: [name, USD per 1M prompt tokens, per 1M completion] (null: unpriced). */
const MODELS: readonly [string, number | null, number | null][] = [
  ["gpt-4o-mini", 0.15, 0.6],
  ["claude-3-5-haiku", 0.8, 4],
  ["llama-3.1-8b-instruct", null, null],
];

export interface SeedChunk {
  tenantId: string;
  /** Run indexes `from` … `from + count - 1` of `total`. */
  from: number;
  count: number;
  total: number;
  /** The newest run starts just before `end` (ms); the oldest `spanMs` before it. */
  end: number;
  spanMs: number;
}

/*
 * Parameters: ?1 tenant, ?2 first index, ?3 last index (inclusive), ?4 total, ?5 end, ?6 span.
 * `h(s)`: a hash of the run index `i` and a salt, 0 … 2^31 - 2 (two rounds of Park-Miller;
 * every product stays below 2^63).
 */
const h = (salt: number | string) =>
  `((((i * 48271) % 2147483647 + ${salt} * 16807) * 48271) % 2147483647)`;
// D1 may bind a number as a real: casts keep the arithmetic integral.
const RUNS = `c(i) AS (SELECT CAST(?2 AS INTEGER) UNION ALL SELECT i + 1 FROM c WHERE i < CAST(?3 AS INTEGER))`;
const CREATED = `CAST(?5 - ?6 + (i * ?6) / ?4 AS INTEGER)`;
/** Runs started in the last 10 minutes are still running (approvals among them pending). */
const RUNNING_FOR = 600_000;

function workflowCase(tenantId: string): string {
  let upTo = 0;
  const arms = WORKFLOWS.map((w) => {
    upTo += w.share;
    return `WHEN ${h(1)} % 100 < ${upTo} THEN '${workflowId(tenantId, w)}'`;
  });
  return `CASE ${arms.join(" ")} END`;
}

const STATUS = `CASE WHEN ${CREATED} > ?5 - ${RUNNING_FOR} THEN 'running'
  WHEN ${h(2)} % 1000 < 880 THEN 'completed' WHEN ${h(2)} % 1000 < 960 THEN 'failed'
  ELSE 'cancelled' END`;

/** Each workflow's nodes, numbered: (w, k, node, type, lo, hi, nn). */
function nodesValues(tenantId: string): string {
  return WORKFLOWS.flatMap((w) =>
    w.nodes.map(
      (n, k) =>
        `('${workflowId(tenantId, w)}', ${k}, '${n.id}', '${n.type}', ${n.lo}, ${n.hi}, ${w.nodes.length})`,
    ),
  ).join(", ");
}

/** The statements that seed one chunk, in order (one batch). */
export function seedChunk(db: D1Database, chunk: SeedChunk): D1PreparedStatement[] {
  const t = chunk.tenantId;
  if (!/^[\w-]+$/.test(t)) throw new Error(`tenant id ${t}: letters, digits, _ and - only`);
  const binds = [t, chunk.from, chunk.from + chunk.count - 1, chunk.total, chunk.end, chunk.spanMs];
  const runId = `'run_' || ?1 || '_' || printf('%07d', i)`;
  // Each run's row, then its executions: a node before the stop node succeeded; the stop node
  // is the last (a completed run), or where it failed, was cancelled, or waits (running).
  const runs = `WITH RECURSIVE ${RUNS}
    INSERT INTO runs (id, tenant_id, workflow_id, version, status, created_at, trigger)
    SELECT ${runId}, ?1, ${workflowCase(t)}, 1, ${STATUS}, ${CREATED}, 'api' FROM c`;
  const modelCase = (field: 0 | 1 | 2) =>
    `CASE ${h(20)} % ${MODELS.length} ${MODELS.map((m, j) => `WHEN ${j} THEN ${m[field] === null ? "NULL" : typeof m[field] === "string" ? `'${m[field]}'` : m[field]}`).join(" ")} END`;
  const executions = `WITH RECURSIVE ${RUNS},
    nodes(w, k, node, type, lo, hi, nn) AS (VALUES ${nodesValues(t)}),
    r AS (SELECT i, ${runId} AS id, ${workflowCase(t)} AS w, ${STATUS} AS status,
        ${CREATED} AS created FROM c),
    x AS (SELECT r.i, r.id, r.created, r.status AS runStatus, nodes.*,
        CASE WHEN r.status = 'completed' THEN nn - 1 ELSE ${h(3)} % nn END AS stop,
        lo + ${h("(40 + k)")} % (hi - lo) AS d,
        ${h("(60 + k)")} % 100 < 7 AS retried,
        ${h(6)} % 1000 + 300 AS completion, ${h(7)} % 4000 + 600 AS prompt,
        ${modelCase(0)} AS model, ${modelCase(1)} AS pin, ${modelCase(2)} AS pout
      FROM r JOIN nodes ON nodes.w = r.w),
    y AS (SELECT *, created + 20 * k + sum(d) OVER (PARTITION BY id ORDER BY k) - d AS started,
        CASE WHEN k < stop THEN 'succeeded'
          WHEN runStatus = 'completed' THEN 'succeeded' WHEN runStatus = 'failed' THEN 'failed'
          WHEN runStatus = 'cancelled' THEN 'cancelled'
          WHEN type = 'approval' THEN 'waiting' ELSE 'running' END AS st
      FROM x WHERE k <= stop)
    INSERT INTO node_executions (run_id, node_id, iteration, attempt, type, status, started_at,
      finished_at, error, usage)
    SELECT id, node, 0, CASE WHEN retried AND type = 'http' THEN 2 ELSE 1 END, type, st, started,
      CASE WHEN st IN ('running', 'waiting') THEN NULL ELSE started + d END,
      CASE WHEN st = 'failed' THEN json_object('code', 'node_failed', 'message', 'bench: ' || node || ' failed') END,
      CASE WHEN type = 'agent' AND st IN ('succeeded', 'failed') THEN json_object('model', model,
        'promptTokens', prompt, 'completionTokens', completion, 'cachedTokens', prompt / 4,
        'calls', 1 + completion % 3,
        'costUsd', CASE WHEN pin IS NULL THEN NULL ELSE (prompt * pin + completion * pout) / 1e6 END) END
    FROM y
    UNION ALL
    SELECT id, node, 0, 1, type, 'failed', started - 1500, started - 1000,
      json_object('code', 'http_503', 'message', 'bench: upstream answered 503'), NULL
    FROM y WHERE retried AND type = 'http'`;
  const first = `'run_' || ?1 || '_' || printf('%07d', ?2)`;
  const last = `'run_' || ?1 || '_' || printf('%07d', ?3)`;
  // An ended run ends with its last attempt; its tokens and cost are its agents' (as projected).
  const ends = `UPDATE runs SET
      finished_at = (SELECT max(finished_at) FROM node_executions WHERE run_id = runs.id) + 15,
      tokens = (SELECT coalesce(sum((usage ->> '$.promptTokens') + (usage ->> '$.completionTokens')), 0)
        FROM node_executions WHERE run_id = runs.id AND usage IS NOT NULL),
      cost_usd = (SELECT sum(usage ->> '$.costUsd') FROM node_executions
        WHERE run_id = runs.id AND usage IS NOT NULL)
    WHERE id >= ${first} AND id <= ${last} AND status <> 'running'`;
  // The approval node's rows: pending while its run waits, else decided (or cancelled).
  const approvals = `INSERT INTO approvals (run_id, node_id, attempt, tenant_id, workflow_id,
      status, message, required, votes, created_at, expires_at, decided_at)
    SELECT x.run_id, x.node_id, x.attempt, ?1, r.workflow_id,
      CASE x.status WHEN 'waiting' THEN 'pending' WHEN 'succeeded' THEN 'approved'
        WHEN 'cancelled' THEN 'cancelled'
        ELSE CASE WHEN x.started_at % 3 = 0 THEN 'timeout' ELSE 'rejected' END END,
      'Refund this order?', 1, '[]', x.started_at, x.started_at + 86400000,
      CASE WHEN x.status IN ('succeeded', 'failed') THEN x.finished_at END
    FROM runs r JOIN node_executions x ON x.run_id = r.id
    WHERE r.id >= ${first} AND r.id <= ${last} AND x.type = 'approval'`;
  // A statement takes as many parameters as the highest number it names.
  return [runs, executions, ends, approvals].map((sql) => {
    const count = Math.max(...[...sql.matchAll(/\?(\d+)/g)].map((m) => Number(m[1])));
    return db.prepare(sql).bind(...binds.slice(0, count));
  });
}

/** The tenant and its workflows (the route checks `workflow=` against them). */
export function seedWorkflows(db: D1Database, tenantId: string, at: number): D1PreparedStatement[] {
  return WORKFLOWS.map((w) =>
    db
      .prepare(
        `INSERT OR IGNORE INTO workflows (id, tenant_id, name, latest_version, created_at, updated_at)
         VALUES (?, ?, ?, 1, ?, ?)`,
      )
      .bind(workflowId(tenantId, w), tenantId, w.name, at, at),
  );
}

/** `b0 = sum(x <= bound0 AND …)`: the histogram columns of a duration in seconds. */
function bucketSums(bounds: readonly number[], seconds: string): string {
  return Array.from({ length: BUCKETS }, (_, j) => {
    const above = j === 0 ? "1" : `${seconds} > ${bounds[j - 1]}`;
    return `coalesce(sum(${above} AND ${seconds} <= ${bounds[j]}), 0) AS b${j}`;
  }).join(", ");
}

const BUCKET_LIST = Array.from({ length: BUCKETS }, (_, j) => `b${j}`).join(", ");

/**
 * The running totals of the seeded history (`metric_*`, db/metrics.ts), as the projection
 * would have added them run by run: what `/api/metrics` reads. Once, after every chunk.
 */
export function seedTotals(db: D1Database, tenantId: string): D1PreparedStatement[] {
  const ended = `r.tenant_id = ?1 AND r.finished_at IS NOT NULL`;
  const sql = [
    `INSERT INTO metric_runs (tenant_id, workflow_id, status, runs)
     SELECT ?1, workflow_id, status, count(*) FROM runs r WHERE ${ended}
     GROUP BY workflow_id, status`,
    `WITH a AS (SELECT x.type, x.status, x.started_at, x.finished_at,
         row_number() OVER (PARTITION BY x.run_id, x.node_id, x.iteration ORDER BY x.attempt DESC) AS latest
       FROM runs r JOIN node_executions x ON x.run_id = r.id WHERE ${ended}),
     s AS (SELECT *, (finished_at - started_at) / 1000.0 AS secs FROM a)
     INSERT INTO metric_nodes (tenant_id, kind, succeeded, failed, retried, timed, duration_ms, ${BUCKET_LIST})
     SELECT ?1, type, sum(latest = 1 AND status = 'succeeded'), sum(latest = 1 AND status = 'failed'),
       sum(latest > 1), sum(secs IS NOT NULL), coalesce(sum(finished_at - started_at), 0),
       ${bucketSums(NODE_DURATION_BOUNDS, "secs")}
     FROM s GROUP BY type`,
    `INSERT INTO metric_models (tenant_id, model, prompt_tokens, completion_tokens, cached_tokens, calls, cost_usd)
     SELECT ?1, x.usage ->> '$.model', sum(x.usage ->> '$.promptTokens'),
       sum(x.usage ->> '$.completionTokens'), sum(x.usage ->> '$.cachedTokens'),
       sum(x.usage ->> '$.calls'), total(x.usage ->> '$.costUsd')
     FROM runs r JOIN node_executions x ON x.run_id = r.id
     WHERE ${ended} AND x.usage IS NOT NULL GROUP BY 2`,
    `WITH s AS (SELECT status, decided_at - created_at AS ms, (decided_at - created_at) / 1000.0 AS secs
       FROM approvals WHERE tenant_id = ?1 AND status IN ('approved', 'rejected', 'timeout'))
     INSERT INTO metric_decisions (tenant_id, decision, count, duration_ms, ${BUCKET_LIST})
     SELECT ?1, status, count(*), sum(ms), ${bucketSums(DECISION_BOUNDS, "secs")}
     FROM s GROUP BY status`,
  ];
  return sql.map((s) => db.prepare(s).bind(tenantId));
}
