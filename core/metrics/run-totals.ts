/**
 * What one ended run adds to the tenant's running totals (the counters `GET /api/metrics`
 * serves, docs/OBSERVABILITY.md): its node attempts by kind (outcomes and a duration
 * histogram) and its model usage by model. Computed once, where the run's projection writes
 * its executions, so the totals are written in the same D1 batch.
 */
import {
  BUCKETS,
  type BucketCounts,
  bucketOf,
  emptyBuckets,
  NODE_DURATION_BOUNDS,
} from "./buckets";

/** One finished attempt of a node, as the run's history records it. */
export interface AttemptRecord {
  nodeId: string;
  iteration: number;
  attempt: number;
  /** The node's kind. */
  type: string;
  /** `succeeded`, or `failed` (retried or for good). */
  status: string;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A kind's attempts in one run. */
export interface KindTotals {
  kind: string;
  succeeded: number;
  /** Attempts that failed for good (the node's last attempt of its iteration). */
  failed: number;
  /** Attempts that failed and were tried again. */
  retried: number;
  /** Attempts with both a start and an end: the histogram's count, sum and buckets. */
  timed: number;
  durationMs: number;
  buckets: BucketCounts;
}

/** A model's usage in one run. */
export interface ModelTotals {
  model: string;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  calls: number;
  /** USD; unpriced calls add nothing (their tokens still count). */
  costUsd: number;
}

export interface ModelUsage {
  model: string;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  calls: number;
  costUsd: number | null;
}

/**
 * Attempts by kind. An attempt followed by another of the same node and iteration was retried;
 * the last one's status is the node's outcome for that iteration.
 * @example
 * kindTotals([
 *   { nodeId: "a", iteration: 0, attempt: 1, type: "http", status: "failed", startedAt: 0, finishedAt: 20 },
 *   { nodeId: "a", iteration: 0, attempt: 2, type: "http", status: "succeeded", startedAt: 30, finishedAt: 40 },
 * ]); // [{ kind: "http", succeeded: 1, failed: 0, retried: 1, timed: 2, durationMs: 30, buckets: [0, 1, 1, 0, …] }]
 */
export function kindTotals(attempts: readonly AttemptRecord[]): KindTotals[] {
  const last = new Map<string, number>();
  for (const a of attempts) {
    const key = `${a.nodeId}\u0000${a.iteration}`;
    last.set(key, Math.max(last.get(key) ?? -Infinity, a.attempt));
  }
  const byKind = new Map<string, KindTotals>();
  for (const a of attempts) {
    let t = byKind.get(a.type);
    if (!t) {
      t = {
        kind: a.type,
        succeeded: 0,
        failed: 0,
        retried: 0,
        timed: 0,
        durationMs: 0,
        buckets: emptyBuckets(),
      };
      byKind.set(a.type, t);
    }
    if (a.status === "succeeded") t.succeeded += 1;
    else if (last.get(`${a.nodeId}\u0000${a.iteration}`) === a.attempt) t.failed += 1;
    else t.retried += 1;
    if (a.startedAt !== null && a.finishedAt !== null) {
      const ms = Math.max(0, a.finishedAt - a.startedAt);
      t.timed += 1;
      t.durationMs += ms;
      const bucket = bucketOf(NODE_DURATION_BOUNDS, ms / 1000);
      if (bucket < BUCKETS) t.buckets[bucket]! += 1;
    }
  }
  return [...byKind.values()].sort((x, y) => (x.kind < y.kind ? -1 : 1));
}

/**
 * Usage summed by model.
 * @example
 * modelTotals([{ model: "m", promptTokens: 3, completionTokens: 1, cachedTokens: 0, calls: 1, costUsd: null }]);
 * // [{ model: "m", promptTokens: 3, completionTokens: 1, cachedTokens: 0, calls: 1, costUsd: 0 }]
 */
export function modelTotals(usage: readonly ModelUsage[]): ModelTotals[] {
  const byModel = new Map<string, ModelTotals>();
  for (const u of usage) {
    const t = byModel.get(u.model) ?? {
      model: u.model,
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0,
      calls: 0,
      costUsd: 0,
    };
    t.promptTokens += u.promptTokens;
    t.completionTokens += u.completionTokens;
    t.cachedTokens += u.cachedTokens;
    t.calls += u.calls;
    t.costUsd += u.costUsd ?? 0;
    byModel.set(u.model, t);
  }
  return [...byModel.values()].sort((x, y) => (x.model < y.model ? -1 : 1));
}
