import { describe, expect, it } from "vitest";
import { type Bucket, parseRateLimits, take, tierOf } from "./token-bucket";

describe("token bucket", () => {
  it("allows exactly `capacity` in a burst, then says when to retry", () => {
    let bucket: Bucket | undefined;
    const results = Array.from({ length: 7 }, () => {
      const r = take(bucket, 5, 60_000, 1000);
      bucket = r.bucket;
      return r.result;
    });
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(results[5]).toMatchObject({ ok: false, remaining: 0, retryAfterMs: 12_000 });
  });

  it("refills over time", () => {
    let bucket = take(undefined, 60, 60_000, 0).bucket;
    for (let i = 0; i < 59; i++) bucket = take(bucket, 60, 60_000, 0).bucket;
    expect(take(bucket, 60, 60_000, 0).result.ok).toBe(false);
    expect(take(bucket, 60, 60_000, 1000).result.ok).toBe(true);
  });

  it("maps agent counts to tiers and reads limits from configuration", () => {
    expect([0, 1, 2, 3].map(tierOf)).toEqual(["none", "light", "light", "heavy"]);
    expect(parseRateLimits('{"none": 3}')).toEqual({
      global: 1000,
      none: 3,
      light: 20,
      heavy: 5,
      windowSeconds: 60,
    });
    expect(parseRateLimits("nonsense").none).toBe(100);
  });
});
