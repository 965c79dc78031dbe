import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bucketCount,
  bucketStarts,
  DEFAULT_STATS_RANGE_MS,
  defaultBucket,
  MAX_STATS_RANGE_MS,
  STATS_BUCKETS,
} from "./window";

describe("the stats window", () => {
  it("picks the smallest bucket that keeps a chart within 200 points", () => {
    expect(defaultBucket(3_600_000)).toBe("1m");
    expect(defaultBucket(DEFAULT_STATS_RANGE_MS)).toBe("15m");
    expect(defaultBucket(7 * 86_400_000)).toBe("1h");
    expect(defaultBucket(MAX_STATS_RANGE_MS)).toBe("6h");
  });

  it("covers [since, until) with aligned buckets, each point of the window in exactly one", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2_000_000_000_000 }),
        fc.integer({ min: 1, max: 3 * 86_400_000 }),
        fc.constantFrom(...Object.values(STATS_BUCKETS)),
        fc.integer({ min: 0, max: 1_000_000 }),
        (since, range, size, offset) => {
          const until = since + range;
          const starts = bucketStarts(since, until, size);
          const t = since + (offset % range);
          const holding = starts.filter((s) => s <= t && t < s + size);
          return (
            starts.length === bucketCount(since, until, size) &&
            starts.every((s) => s % size === 0) &&
            starts[0]! <= since &&
            starts.at(-1)! < until &&
            holding.length === 1
          );
        },
      ),
    );
  });
});
