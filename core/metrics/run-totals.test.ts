import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUCKETS, bucketOf, NODE_DURATION_BOUNDS } from "./buckets";
import { type AttemptRecord, kindTotals, modelTotals } from "./run-totals";

const attempt = (over: Partial<AttemptRecord>): AttemptRecord => ({
  nodeId: "a",
  iteration: 0,
  attempt: 1,
  type: "http",
  status: "succeeded",
  startedAt: 1_000,
  finishedAt: 1_010,
  ...over,
});

describe("what an ended run adds to the totals", () => {
  it("tells retried attempts from failures for good, per node and loop iteration", () => {
    const totals = kindTotals([
      attempt({ attempt: 1, status: "failed" }),
      attempt({ attempt: 2, status: "failed" }),
      attempt({ attempt: 3, status: "succeeded", startedAt: 2_000, finishedAt: 2_400 }),
      // A loop's second turn of the same node: its own attempt, failed for good.
      attempt({ iteration: 1, attempt: 4, status: "failed" }),
      attempt({ nodeId: "b", type: "transform", attempt: 1, status: "failed" }),
      // No start recorded: counted, not timed.
      attempt({ nodeId: "c", type: "transform", startedAt: null }),
    ]);
    expect(totals).toEqual([
      {
        kind: "http",
        succeeded: 1,
        failed: 1,
        retried: 2,
        timed: 4,
        durationMs: 430,
        buckets: [0, 3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
      },
      {
        kind: "transform",
        succeeded: 1,
        failed: 1,
        retried: 0,
        timed: 1,
        durationMs: 10,
        buckets: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      },
    ]);
  });

  it("counts every attempt once and keeps durations over the last bound out of the finite buckets", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            node: fc.constantFrom("a", "b", "c"),
            status: fc.constantFrom("succeeded", "failed"),
            ms: fc.integer({ min: 0, max: 1_000_000 }),
          }),
          { maxLength: 40 },
        ),
        (rows) => {
          const attempts = rows.map((r, i) =>
            attempt({ nodeId: r.node, attempt: i + 1, status: r.status, finishedAt: 1_000 + r.ms }),
          );
          const [t] = kindTotals(attempts);
          if (!t) return rows.length === 0;
          const over = rows.filter((r) => r.ms / 1000 > NODE_DURATION_BOUNDS.at(-1)!).length;
          return (
            t.succeeded + t.failed + t.retried === rows.length &&
            t.failed <= 3 &&
            t.timed === rows.length &&
            t.buckets.reduce((s, b) => s + b, 0) === rows.length - over
          );
        },
      ),
    );
  });

  it("puts an observation in the first bucket whose bound it does not exceed", () => {
    expect(bucketOf(NODE_DURATION_BOUNDS, 0)).toBe(0);
    expect(bucketOf(NODE_DURATION_BOUNDS, 0.005)).toBe(0);
    expect(bucketOf(NODE_DURATION_BOUNDS, 0.0051)).toBe(1);
    expect(bucketOf(NODE_DURATION_BOUNDS, 300)).toBe(BUCKETS - 1);
    expect(bucketOf(NODE_DURATION_BOUNDS, 300.001)).toBe(BUCKETS);
  });

  it("sums usage by model; an unpriced call adds tokens but no cost", () => {
    expect(
      modelTotals([
        {
          model: "m",
          promptTokens: 3,
          completionTokens: 1,
          cachedTokens: 1,
          calls: 1,
          costUsd: 0.5,
        },
        {
          model: "m",
          promptTokens: 2,
          completionTokens: 2,
          cachedTokens: 0,
          calls: 2,
          costUsd: null,
        },
        { model: "a", promptTokens: 1, completionTokens: 0, cachedTokens: 0, calls: 1, costUsd: 0 },
      ]),
    ).toEqual([
      { model: "a", promptTokens: 1, completionTokens: 0, cachedTokens: 0, calls: 1, costUsd: 0 },
      { model: "m", promptTokens: 5, completionTokens: 3, cachedTokens: 1, calls: 3, costUsd: 0.5 },
    ]);
  });
});
