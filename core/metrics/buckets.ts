/**
 * The histograms' bucket bounds (seconds, Prometheus `le`). D1 keeps one column per finite
 * bucket, counts not cumulated (`b0` … `b13`), plus the count and the sum: the observations
 * above the last bound are the count less the buckets. A bound is never changed once counts
 * were kept under it (the columns would then mean something else); a new layout is a new table.
 */

/** Node attempt durations: 5 ms to 5 minutes (approvals and timers end in +Inf). */
export const NODE_DURATION_BOUNDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
] as const;

/** From an approval's request to its decision: 10 s to 30 days. */
export const DECISION_BOUNDS = [
  10, 30, 60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, 172800, 604800, 2592000,
] as const;

/** Finite buckets per histogram: the columns `b0` … `b13`. */
export const BUCKETS = 14;

/** Bucket counts, not cumulated, one per finite bound. */
export type BucketCounts = number[];

export const emptyBuckets = (): BucketCounts => new Array<number>(BUCKETS).fill(0);

/**
 * The bucket an observation falls in: the first bound it does not exceed, or `BUCKETS` when it
 * exceeds them all (counted only in the histogram's count).
 * @example
 * bucketOf(NODE_DURATION_BOUNDS, 0.2); // 5 (le 0.25)
 * bucketOf(NODE_DURATION_BOUNDS, 900); // 14 (+Inf)
 */
export function bucketOf(bounds: readonly number[], seconds: number): number {
  const i = bounds.findIndex((bound) => seconds <= bound);
  return i === -1 ? bounds.length : i;
}
