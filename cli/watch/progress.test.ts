import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../core/wire/frames";
import { Progress, progressBar } from "./progress";

const nodes = [
  { id: "start", type: "start" },
  { id: "call", type: "http" },
  { id: "ask", type: "approval" },
];

let seq = 0;
const ev = (type: RunEvent["type"], nodeId?: string, data?: Record<string, unknown>): RunEvent => ({
  seq: ++seq,
  type,
  at: 1000 + seq,
  ...(nodeId === undefined ? {} : { nodeId }),
  ...(data === undefined ? {} : { data }),
});

describe("Progress", () => {
  it("folds node events into statuses and counts finished nodes", () => {
    const p = new Progress(nodes);
    expect([p.done, p.total]).toEqual([0, 3]);
    expect(p.apply(ev("run_started"))).toBeNull();
    expect(p.apply(ev("node_started", "start"))).toEqual({
      nodeId: "start",
      type: "start",
      status: "running",
    });
    expect(p.apply(ev("node_succeeded", "start", { port: null, durationMs: 3 }))).toEqual({
      nodeId: "start",
      type: "start",
      status: "succeeded",
      durationMs: 3,
    });
    const error = { code: "http_503", message: "upstream down", retryable: true };
    expect(p.apply(ev("node_retrying", "call", { error }))?.detail).toBe(
      "retrying after http_503: upstream down",
    );
    expect(p.apply(ev("node_failed", "call", { error }))).toMatchObject({
      status: "failed",
      detail: "http_503: upstream down",
    });
    expect(p.apply(ev("node_waiting", "ask", { reason: "approval" }))).toMatchObject({
      status: "waiting",
      detail: "approval",
    });
    expect(
      p.apply(ev("node_waiting", "ask", { reason: "event", event: "order.paid", key: "A1" })),
    ).toMatchObject({ status: "waiting", detail: "event order.paid with key A1" });
    expect(p.done).toBe(2);
    // Events of nodes the run does not have (a newer graph) change nothing.
    expect(p.apply(ev("node_started", "ghost"))).toBeNull();
  });

  it("marks every unfinished node cancelled when the run is cancelled", () => {
    const p = new Progress(nodes);
    p.apply(ev("node_succeeded", "start"));
    p.apply(ev("node_waiting", "ask", { reason: "approval" }));
    p.apply(ev("run_cancelled"));
    expect(p.done).toBe(3);
  });

  it("counts a node again as unfinished when a loop runs it once more", () => {
    const p = new Progress(nodes);
    p.apply(ev("node_succeeded", "call"));
    expect(p.done).toBe(1);
    p.apply(ev("node_queued", "call"));
    expect(p.done).toBe(0);
  });
});

describe("progressBar", () => {
  it("fills in proportion to finished nodes", () => {
    expect(progressBar(0, 4, 8)).toBe("[░░░░░░░░] 0/4 nodes");
    expect(progressBar(1, 4, 8)).toBe("[██░░░░░░] 1/4 nodes");
    expect(progressBar(4, 4, 8)).toBe("[████████] 4/4 nodes");
    expect(progressBar(0, 0, 8)).toBe("[████████] 0/0 nodes");
  });
});

describe("Progress and patches", () => {
  it("counts nodes a patch added, once, from the moment it lands", () => {
    const p = new Progress(nodes);
    const ops = [
      { op: "add_node", node: { id: "extra", type: "transform" } },
      { op: "add_edge", edge: { from: "call", to: "extra" } },
    ];
    expect(
      p.apply(ev("patch_applied", "call", { patchId: 1, addedNodes: ["extra"], ops })),
    ).toBeNull();
    expect(p.total).toBe(4);
    p.apply(ev("patch_applied", "call", { patchId: 1, addedNodes: ["extra"], ops }));
    expect(p.total).toBe(4);
    expect(p.apply(ev("node_succeeded", "extra", { durationMs: 1 }))).toMatchObject({
      nodeId: "extra",
      type: "transform",
      status: "succeeded",
    });
    expect(p.done).toBe(1);
  });
});
