import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../core/wire/frames";
import {
  axisOf,
  EMPTY_WATERFALL,
  foldWaterfall,
  place,
  shownRows,
  ticks,
  visibleRange,
  type Waterfall,
} from "../../web/src/runs/waterfall";

/** Events with gapless seqs from 1, as the run's log holds them (the scheduler's shapes). */
function log(...events: Omit<RunEvent, "seq">[]): RunEvent[] {
  return events.map((e, i) => ({ seq: i + 1, ...e }));
}

/**
 * start → fetch (queued http: fails with a 503, backs off 200 ms, succeeds) → pause (a 1 s
 * delay) → ask (an approval) → done.
 */
const events = log(
  { type: "run_started", at: 1000 },
  { type: "node_started", at: 1000, nodeId: "start", data: { attempt: 1, startedAt: 1000 } },
  { type: "node_succeeded", at: 1001, nodeId: "start", data: { attempt: 1, port: null } },
  { type: "node_queued", at: 1001, nodeId: "fetch", data: { attempt: 1 } },
  {
    type: "node_started",
    at: 1040,
    nodeId: "fetch",
    data: { attempt: 1, startedAt: 1010, delivery: "queue" },
  },
  {
    type: "node_retrying",
    at: 1040,
    nodeId: "fetch",
    data: {
      attempt: 1,
      error: { code: "http_503", message: "503", retryable: true },
      nextAttemptAt: 1240,
    },
  },
  { type: "node_queued", at: 1240, nodeId: "fetch", data: { attempt: 2 } },
  { type: "node_started", at: 1250, nodeId: "fetch", data: { attempt: 2, startedAt: 1250 } },
  { type: "node_succeeded", at: 1300, nodeId: "fetch", data: { attempt: 2, durationMs: 50 } },
  { type: "node_started", at: 1300, nodeId: "pause", data: { attempt: 1, startedAt: 1300 } },
  { type: "node_waiting", at: 1301, nodeId: "pause", data: { until: 2301, reason: "delay" } },
  { type: "node_succeeded", at: 2301, nodeId: "pause", data: { attempt: 1 } },
  { type: "node_started", at: 2301, nodeId: "ask", data: { attempt: 1, startedAt: 2301 } },
  { type: "node_waiting", at: 2302, nodeId: "ask", data: { until: null, reason: "approval" } },
  { type: "approval_required", at: 2302, nodeId: "ask", data: { attempt: 1 } },
);

const byNode = (w: Waterfall, id: string) => w.rows.find((r) => r.nodeId === id)!;

describe("the run waterfall", () => {
  it("draws each attempt of a retried node as its own bar, with the backoff between them", () => {
    const w = foldWaterfall(EMPTY_WATERFALL, events);
    expect(w.rows.map((r) => r.nodeId)).toEqual(["start", "fetch", "pause", "ask"]);
    const fetch = byNode(w, "fetch");
    expect(fetch.bars).toMatchObject([
      {
        attempt: 1,
        status: "retrying",
        from: 1001,
        to: 1040,
        error: "http_503: 503",
        retryAt: 1240,
        spans: [
          { kind: "queued", from: 1001, to: 1010 },
          { kind: "running", from: 1010, to: 1040 },
        ],
      },
      {
        attempt: 2,
        status: "succeeded",
        from: 1240,
        to: 1300,
        spans: [
          { kind: "queued", from: 1240, to: 1250 },
          { kind: "running", from: 1250, to: 1300 },
        ],
      },
    ]);
    expect(fetch.gaps).toEqual([{ from: 1040, to: 1240, due: 1240 }]);
  });

  it("shows a delay and an approval as waiting, the open one until now", () => {
    const w = foldWaterfall(EMPTY_WATERFALL, events);
    expect(byNode(w, "pause").bars[0]).toMatchObject({
      status: "succeeded",
      from: 1300,
      to: 2301,
      spans: [
        { kind: "running", from: 1300, to: 1301 },
        { kind: "waiting", reason: "delay", from: 1301, to: 2301 },
      ],
    });
    const ask = byNode(w, "ask").bars[0]!;
    expect(ask).toMatchObject({ status: "waiting", to: null });
    expect(ask.spans.at(-1)).toEqual({ kind: "waiting", reason: "approval", from: 2302, to: null });
    expect(w.end).toBeNull();
    // While it runs the axis reaches now; the delay is a third of it here.
    const axis = axisOf(w, 4000);
    expect(axis).toEqual({ from: 1000, to: 4000 });
    const pause = byNode(w, "pause").bars[0]!;
    expect(place(axis, pause.from, pause.to).width).toBeCloseTo((1001 / 3000) * 100, 5);
    expect(place(axis, ask.from, ask.to)).toEqual({
      left: (1301 / 3000) * 100,
      width: (1699 / 3000) * 100,
    });
  });

  it("folds page by page and live batch by batch to the same waterfall, sharing rows it did not touch", () => {
    const whole = foldWaterfall(EMPTY_WATERFALL, events);
    const first = foldWaterfall(EMPTY_WATERFALL, events.slice(0, 7));
    const rest = foldWaterfall(first, events.slice(5)); // overlapping: seqs seen are skipped
    expect(rest).toEqual(whole);
    expect(rest.rows[0]).toBe(first.rows[0]); // `start` did not change
    expect(first.rows[1]!.bars).toHaveLength(2); // the earlier waterfall was not touched
    expect(first.rows[1]!.bars[1]!.status).toBe("queued");
    expect(foldWaterfall(whole, events)).toBe(whole);
    // A second fold of `first` (its node index was extended by the first one) stands alone.
    const other = foldWaterfall(first, [
      { seq: 8, type: "node_started", at: 1300, nodeId: "elsewhere", data: { attempt: 1 } },
    ]);
    expect(other.rows.map((r) => r.nodeId)).toEqual(["start", "fetch", "elsewhere"]);
    expect(other.index.get("pause")).toBeUndefined();
    expect(foldWaterfall(rest, [])).toBe(rest);
    expect(rest.rows.map((r) => r.nodeId)).toEqual(["start", "fetch", "pause", "ask"]);
  });

  it("ends open attempts when the run is cancelled, and links a subworkflow node's child run", () => {
    const w = foldWaterfall(
      EMPTY_WATERFALL,
      log(
        { type: "run_started", at: 0 },
        { type: "node_started", at: 5, nodeId: "call", data: { attempt: 1, startedAt: 5 } },
        {
          type: "node_waiting",
          at: 6,
          nodeId: "call",
          data: { until: null, reason: "child", childRunId: "run_child" },
        },
        { type: "node_skipped", at: 7, nodeId: "other", data: { reason: "branch_not_taken" } },
        { type: "run_cancelled", at: 90 },
      ),
    );
    expect(byNode(w, "call")).toMatchObject({
      childRunId: "run_child",
      bars: [{ status: "cancelled", to: 90, childRunId: "run_child" }],
    });
    expect(w.end).toBe(90);
    expect(byNode(w, "other")).toMatchObject({ skippedAt: 7, bars: [] });

    // The child's rows nest under the node once expanded; skipped nodes are left out.
    const child = foldWaterfall(
      EMPTY_WATERFALL,
      log(
        { type: "run_started", at: 10 },
        { type: "node_started", at: 10, nodeId: "inner", data: { attempt: 1, startedAt: 10 } },
      ),
    );
    const children = new Map([["run_child", child]]);
    const flat = (open: string[]) =>
      shownRows("run_parent", w, children, new Set(open)).map(
        (r) => `${r.depth}:${r.runId}:${r.row.nodeId}`,
      );
    expect(flat([])).toEqual(["0:run_parent:call"]);
    expect(flat(["run_child"])).toEqual(["0:run_parent:call", "1:run_child:inner"]);
  });

  it("counts a map's items and keeps a redelivered attempt in one bar", () => {
    const w = foldWaterfall(
      EMPTY_WATERFALL,
      log(
        { type: "node_started", at: 0, nodeId: "each", data: { attempt: 1, startedAt: 0 } },
        { type: "map_item_succeeded", at: 3, nodeId: "each", data: { index: 0 } },
        { type: "map_item_failed", at: 4, nodeId: "each", data: { index: 1 } },
        { type: "node_queued", at: 5, nodeId: "q", data: { attempt: 1 } },
        { type: "node_queued", at: 65, nodeId: "q", data: { attempt: 1, redelivery: 1 } },
        { type: "node_started", at: 70, nodeId: "q", data: { attempt: 1, startedAt: 70 } },
      ),
    );
    expect(byNode(w, "each").items).toEqual({ succeeded: 1, failed: 1 });
    expect(byNode(w, "q").bars).toMatchObject([
      { attempt: 1, spans: [{ kind: "queued", from: 5, to: 70 }, { kind: "running" }] },
    ]);
  });

  it("puts grid lines at round times", () => {
    expect(ticks({ from: 0, to: 2300 })).toEqual([0, 500, 1000, 1500, 2000]);
    expect(ticks({ from: 100, to: 105 })).toEqual([0, 1, 2, 3, 4, 5]);
    expect(ticks({ from: 0, to: 90_000 })).toEqual([0, 20_000, 40_000, 60_000, 80_000]);
  });

  it("draws only the rows in view of a long list", () => {
    expect(visibleRange(0, 520, 26, 10_000)).toEqual({ first: 0, last: 28 });
    expect(visibleRange(260_000, 520, 26, 10_000)).toEqual({ first: 9992, last: 10_000 });
    expect(visibleRange(0, 520, 26, 3)).toEqual({ first: 0, last: 3 });
  });
});
