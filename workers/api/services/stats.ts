/**
 * `GET /api/stats` (docs/OBSERVABILITY.md): the window a request asks for, checked, and the
 * answer built from db/stats.ts's aggregates: dense series (a point per bucket) and the figures
 * the CLI and the charts read.
 */
import {
  bucketCount,
  bucketStarts,
  DEFAULT_STATS_RANGE_MS,
  defaultBucket,
  MAX_STATS_BUCKETS,
  MAX_STATS_RANGE_MS,
  STATS_BUCKETS,
  type StatsBucket,
} from "../../../core/metrics";
import { type RawStats, tenantStats } from "../../../db/stats";
import { ApiError } from "../errors";
import type { NodeStat, Stats, StatsPoint } from "../schemas/stats";

/** Rows a percentile, node or model figure reads at most, and entries of a top list. */
export const STATS_LIMITS = { sample: 50_000, top: 10 };

export interface StatsRequest {
  tenantId: string;
  workflowId?: string;
  since?: number;
  until?: number;
  bucket?: StatsBucket;
  now: number;
}

/** A refused query parameter, in the API's validation format. */
function refuse(name: string, message: string): ApiError {
  return new ApiError(400, "bad_request", `query parameter ${name}: ${message}`, {
    errors: [{ path: [name], at: name, code: "custom", message }],
  });
}

/** The window asked for: defaults filled in (the last 24 hours), then checked. */
export function statsWindow(req: StatsRequest) {
  const until = req.until ?? req.now;
  const since = req.since ?? until - DEFAULT_STATS_RANGE_MS;
  if (since >= until) throw refuse("since", `must be before until (${until})`);
  if (until - since > MAX_STATS_RANGE_MS) {
    throw refuse(
      "since",
      `the window may be at most 31 days long (until - since ≤ ${MAX_STATS_RANGE_MS} ms)`,
    );
  }
  const bucket = req.bucket ?? defaultBucket(until - since);
  const bucketMs = STATS_BUCKETS[bucket];
  const buckets = bucketCount(since, until, bucketMs);
  if (buckets > MAX_STATS_BUCKETS) {
    throw refuse(
      "bucket",
      `${bucket} makes ${buckets} buckets of this window; at most ${MAX_STATS_BUCKETS}: take a larger bucket or a shorter window`,
    );
  }
  return { since, until, bucket, bucketMs };
}

const nodeStat = (n: RawStats["slowest"][number]): NodeStat => n;

/** The figures of a tenant (or one of its workflows) over the window. */
export async function statsOf(db: D1Database, req: StatsRequest): Promise<Stats> {
  const window = statsWindow(req);
  const raw = await tenantStats(
    db,
    {
      tenantId: req.tenantId,
      ...(req.workflowId === undefined ? {} : { workflowId: req.workflowId }),
      since: window.since,
      until: window.until,
      bucketMs: window.bucketMs,
    },
    STATS_LIMITS,
  );
  const series = new Map<number, StatsPoint>(
    bucketStarts(window.since, window.until, window.bucketMs).map((t) => [
      t,
      { t, started: 0, completed: 0, failed: 0, cancelled: 0, tokens: 0, costUsd: 0, models: {} },
    ]),
  );
  for (const s of raw.started) {
    const point = series.get(s.t);
    if (point) point.started += s.n;
  }
  for (const e of raw.ended) {
    const point = series.get(e.t);
    if (!point) continue;
    if (e.status === "completed" || e.status === "failed" || e.status === "cancelled") {
      point[e.status] += e.n;
    }
    point.tokens += e.tokens;
    point.costUsd += e.costUsd;
  }
  const byModel = new Map<string, Stats["models"][number]>();
  for (const m of raw.models) {
    const point = series.get(m.t);
    if (point) {
      point.models[m.model] = {
        tokens: m.promptTokens + m.completionTokens,
        costUsd: m.costUsd,
      };
    }
    const total = byModel.get(m.model) ?? {
      model: m.model,
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0,
      calls: 0,
      costUsd: 0,
    };
    total.promptTokens += m.promptTokens;
    total.completionTokens += m.completionTokens;
    total.cachedTokens += m.cachedTokens;
    total.calls += m.calls;
    total.costUsd += m.costUsd;
    byModel.set(m.model, total);
  }
  const points = [...series.values()];
  const sum = (pick: (p: StatsPoint) => number) => points.reduce((s, p) => s + pick(p), 0);
  const { durations: d, decisions: a, queue: q } = raw;
  return {
    workflowId: req.workflowId ?? null,
    ...window,
    sample: STATS_LIMITS.sample,
    capped: {
      durations: d.n >= STATS_LIMITS.sample,
      nodes: raw.attempts.attempts >= STATS_LIMITS.sample,
      models: raw.modelExecutions >= STATS_LIMITS.sample,
      queue: q.n >= STATS_LIMITS.sample,
    },
    totals: {
      started: sum((p) => p.started),
      completed: sum((p) => p.completed),
      failed: sum((p) => p.failed),
      cancelled: sum((p) => p.cancelled),
      tokens: sum((p) => p.tokens),
      costUsd: sum((p) => p.costUsd),
    },
    series: points,
    durations: {
      runs: d.n,
      meanMs: d.mean,
      p50Ms: d.p50,
      p95Ms: d.p95,
      p99Ms: d.p99,
      maxMs: d.max,
    },
    nodes: {
      ...raw.attempts,
      slowest: raw.slowest.map(nodeStat),
      failing: raw.failing.map(nodeStat),
    },
    models: [...byModel.values()].sort(
      (x, y) => y.promptTokens + y.completionTokens - (x.promptTokens + x.completionTokens),
    ),
    workflows: raw.workflows,
    approvals: {
      pending: raw.pending,
      approved: a.approved,
      rejected: a.rejected,
      timeout: a.timeout,
      decided: a.n,
      meanMs: a.mean,
      p50Ms: a.p50,
      p95Ms: a.p95,
      p99Ms: a.p99,
      maxMs: a.max,
    },
    queue: {
      queued: raw.queued,
      started: q.n,
      meanMs: q.mean,
      p50Ms: q.p50,
      p95Ms: q.p95,
      p99Ms: q.p99,
      maxMs: q.max,
    },
  };
}
