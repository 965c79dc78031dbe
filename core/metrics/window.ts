/**
 * The time window of `GET /api/stats`: its bucket sizes, the default bucket for a range, and
 * the bucket starts a series has (aligned to multiples of the size since the epoch, UTC, so
 * series of two requests line up).
 */

/** Bucket sizes a series may have, in ms. */
export const STATS_BUCKETS = {
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "1h": 3_600_000,
  "6h": 21_600_000,
  "1d": 86_400_000,
} as const;
export type StatsBucket = keyof typeof STATS_BUCKETS;
export const STATS_BUCKET_NAMES = Object.keys(STATS_BUCKETS) as [StatsBucket, ...StatsBucket[]];

/** The longest window (31 days), the default (the last 24 hours), the most buckets a series has. */
export const MAX_STATS_RANGE_MS = 31 * 86_400_000;
export const DEFAULT_STATS_RANGE_MS = 86_400_000;
export const MAX_STATS_BUCKETS = 1_000;

/** The default bucket aims at a chart's width: at most this many buckets. */
const DEFAULT_BUCKETS = 200;

/** The first bucket's start: `t` rounded down to a multiple of the size. */
export const bucketStart = (t: number, bucketMs: number) => Math.floor(t / bucketMs) * bucketMs;

/** How many buckets cover `[since, until)`. */
export const bucketCount = (since: number, until: number, bucketMs: number) =>
  Math.floor((until - 1) / bucketMs) - Math.floor(since / bucketMs) + 1;

/**
 * The smallest size that covers the range in at most 200 buckets.
 * @example
 * defaultBucket(86_400_000); // "15m" (96 buckets)
 */
export function defaultBucket(rangeMs: number): StatsBucket {
  const fits = STATS_BUCKET_NAMES.find((b) => rangeMs / STATS_BUCKETS[b] <= DEFAULT_BUCKETS);
  return fits ?? "1d";
}

/**
 * Every bucket start of `[since, until)`, so a series has a point per bucket, zeros included.
 * @example
 * bucketStarts(90_000, 200_000, 60_000); // [60000, 120000, 180000]
 */
export function bucketStarts(since: number, until: number, bucketMs: number): number[] {
  const first = bucketStart(since, bucketMs);
  return Array.from(
    { length: bucketCount(since, until, bucketMs) },
    (_, i) => first + i * bucketMs,
  );
}
