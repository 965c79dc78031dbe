import { describe, expect, it } from "vitest";
import { DEFAULT_RUN_LIMITS, materialise, Patch, type PatchInput } from "../../core/patches";
import type { RunEvent } from "../../core/wire/frames";
import type { WorkflowDefinitionInput } from "../../core/workflow/definition";
import { validateWorkflow } from "../../core/workflow/validate";
import { edgeView } from "../../web/src/flow/edge-view";
import { attemptsOf, formatCost, usageOf } from "../../web/src/runs/attempts";
import {
  describeOp,
  type PatchLike,
  patchedGraph,
  placeNodes,
  runCanvas,
} from "../../web/src/runs/patched-graph";
import {
  appendDelta,
  fromSnapshot,
  LIVE_TEXT_MAX,
  refreshesSnapshot,
} from "../../web/src/runs/run-state";

const base: WorkflowDefinitionInput = {
  name: "triage",
  nodes: [
    { id: "start", type: "start" },
    { id: "triage", type: "agent", config: { prompt: "Triage", tools: ["patch_workflow"] } },
    { id: "done", type: "end" },
  ],
  edges: [
    { from: "start", to: "triage" },
    { from: "triage", to: "done" },
  ],
};

const addTwo: PatchInput = {
  reason: "look the ticket up first",
  ops: [
    { op: "add_node", node: { id: "lookup", type: "http", config: { url: "https://x.test/" } } },
    { op: "add_node", node: { id: "summary", type: "transform", config: { expression: "1" } } },
    { op: "add_edge", edge: { from: "triage", to: "lookup" } },
    { op: "add_edge", edge: { from: "lookup", to: "summary" } },
  ],
};

const record = (id: number, patch: PatchInput, status = "applied"): PatchLike => ({
  id,
  status,
  ops: Patch.parse(patch).ops,
});

const ids = (def: WorkflowDefinitionInput) => def.nodes.map((n) => n.id);
const edgeKeys = (def: { edges?: { from: string; to: string; on?: string }[] }) =>
  (def.edges ?? []).map((e) => `${e.from}>${e.to}${e.on ? `:${e.on}` : ""}`);

describe("the run's patched graph", () => {
  it("replays applied patches in order like the server's materialiser, ignoring proposed and rejected ones", () => {
    const update: PatchInput = {
      ops: [
        { op: "update_node", id: "summary", config: { expression: "2" } },
        { op: "remove_edge", from: "triage", to: "done" },
        { op: "add_edge", edge: { from: "summary", to: "done" } },
      ],
    };
    const rejected: PatchInput = {
      ops: [{ op: "add_node", node: { id: "nope", type: "transform", config: {} } }],
    };
    const patches = [
      record(3, update),
      record(1, addTwo),
      record(2, rejected, "rejected"),
      record(4, rejected, "proposed"),
    ];
    const { definition, provenance, skipped } = patchedGraph(base, patches);
    const checked = validateWorkflow(base);
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    const server = materialise(
      checked.definition,
      [Patch.parse(addTwo), Patch.parse(update)],
      DEFAULT_RUN_LIMITS,
    );
    if (!server.ok) throw new Error(JSON.stringify(server.errors));
    expect(ids(definition)).toEqual(ids(server.definition));
    expect(edgeKeys(definition)).toEqual(edgeKeys(server.definition));
    expect(definition.nodes.find((n) => n.id === "summary")!.config).toEqual({ expression: "2" });
    expect(skipped).toEqual([]);
    expect([...provenance.addedNodes]).toEqual([
      ["lookup", 1],
      ["summary", 1],
    ]);
    expect(provenance.changedNodes.get("summary")).toEqual([3]);
    expect([...provenance.addedEdges]).toEqual([
      ["triage:success->lookup", 1],
      ["lookup:success->summary", 1],
      ["summary:success->done", 3],
    ]);
    expect(provenance.removedEdges).toEqual([{ from: "triage", to: "done", by: 3 }]);
    // The version's definition is left alone.
    expect(ids(base)).toEqual(["start", "triage", "done"]);
  });

  it("reports ops it cannot replay instead of hiding them", () => {
    const stray: PatchInput = { ops: [{ op: "add_edge", edge: { from: "ghost", to: "done" } }] };
    const { skipped } = patchedGraph(base, [record(1, stray)]);
    expect(skipped).toEqual([{ patch: 1, op: 0, why: "edge ghost → done has an unknown end" }]);
  });

  it("marks added and changed nodes and edges on the canvas, and keeps removed edges, faded", () => {
    const cut: PatchInput = { ops: [{ op: "remove_edge", from: "triage", to: "done" }] };
    const canvas = runCanvas(base, [record(1, addTwo), record(2, cut)], new Map());
    const byId = new Map(canvas.nodes.map((n) => [n.id, n]));
    expect(byId.get("lookup")!.data.addedBy).toBe(1);
    expect(byId.get("summary")!.data.addedBy).toBe(1);
    expect(byId.get("triage")!.data.addedBy).toBeUndefined();
    const added = canvas.edges.filter((e) => e.data?.addedBy !== undefined).map((e) => e.id);
    expect(added).toEqual(["triage:success->lookup", "lookup:success->summary"]);
    const removed = canvas.edges.find((e) => e.data?.removedBy === 2)!;
    expect(removed.id).toBe("removed:triage:success->done");
    expect(edgeView(removed).className).toContain("edge-removed");
    expect(edgeView(removed).label).toBe("removed by patch 2");
    const view = edgeView(canvas.edges.find((e) => e.id === "triage:success->lookup")!);
    expect(view.className).toContain("edge-added");
    expect(view.label).toBe("patch 1");
  });
});

describe("placing added nodes", () => {
  it("keeps a hand-made layout and puts each added node right of its predecessor, on a free row", () => {
    const positioned: WorkflowDefinitionInput = {
      ...base,
      ui: {
        positions: { start: { x: 0, y: 0 }, triage: { x: 250, y: 0 }, done: { x: 500, y: 0 } },
      },
    };
    const { definition } = patchedGraph(positioned, [record(1, addTwo)]);
    const at = definition.ui!.positions!;
    expect(at.start).toEqual({ x: 0, y: 0 });
    expect(at.done).toEqual({ x: 500, y: 0 });
    // Right of triage, where `done` already is: one row down.
    expect(at.lookup).toEqual({ x: 500, y: 120 });
    expect(at.summary).toEqual({ x: 750, y: 120 });
  });

  it("places a node with only successors left of them, and one with no edges past the rest", () => {
    const saved = { a: { x: 0, y: 0 } };
    const def: WorkflowDefinitionInput = {
      name: "x",
      nodes: [
        { id: "a", type: "start" },
        { id: "b", type: "transform" },
        { id: "c", type: "transform" },
      ],
      edges: [{ from: "b", to: "a" }],
    };
    const at = placeNodes({ name: "x", nodes: [def.nodes[0]!], ui: { positions: saved } }, def, [
      "b",
      "c",
    ]);
    expect(at.b).toEqual({ x: -250, y: 0 });
    expect(at.c).toEqual({ x: 250, y: 0 });
  });

  it("lays out a version without saved positions whole, added nodes included", () => {
    const { definition } = patchedGraph(base, [record(1, addTwo)]);
    const at = definition.ui!.positions!;
    expect(at.lookup!.x).toBeGreaterThan(at.triage!.x);
    expect(at.summary!.x).toBeGreaterThan(at.lookup!.x);
    expect(new Set(Object.values(at).map((p) => `${p.x},${p.y}`)).size).toBe(5);
  });

  it("keeps an edge that now skips over added nodes clear of them", () => {
    const intoDone: PatchInput = {
      ops: [...addTwo.ops, { op: "add_edge", edge: { from: "summary", to: "done" } }],
    };
    const at = patchedGraph(base, [record(1, intoDone)]).definition.ui!.positions!;
    // triage → done now spans three levels: it keeps its row, the added chain takes another.
    expect(at.done!.y).toBe(at.triage!.y);
    expect(at.lookup!.y).not.toBe(at.triage!.y);
    expect(at.summary!.y).toBe(at.lookup!.y);
    expect(at.done!.x).toBeGreaterThan(at.summary!.x);
  });
});

const ev = (
  seq: number,
  type: RunEvent["type"],
  nodeId: string | undefined,
  data?: object,
): RunEvent => ({
  seq,
  type,
  at: 1000 + seq * 100,
  ...(nodeId ? { nodeId } : {}),
  ...(data ? { data: data as Record<string, unknown> } : {}),
});

describe("attempts from the event log", () => {
  it("gives each attempt its status, duration, error, retry time and usage", () => {
    const usage = { promptTokens: 900, completionTokens: 60, cachedTokens: 0, calls: 1 };
    const events = [
      ev(1, "run_started", undefined),
      ev(2, "node_queued", "agent", { attempt: 1 }),
      ev(3, "node_started", "agent", { attempt: 1, startedAt: 1250 }),
      ev(4, "node_retrying", "agent", {
        attempt: 1,
        error: { code: "http_503", message: "unavailable", retryable: true },
        nextAttemptAt: 5000,
      }),
      ev(5, "node_queued", "other", { attempt: 1 }),
      ev(6, "node_queued", "agent", { attempt: 2 }),
      ev(7, "node_started", "agent", { attempt: 2, startedAt: 1700, delivery: "queue" }),
      ev(8, "node_succeeded", "agent", {
        attempt: 2,
        port: null,
        durationMs: 90,
        usage: { ...usage, costUsd: 0.0012 },
      }),
    ];
    expect(attemptsOf(events, "agent")).toEqual([
      {
        attempt: 1,
        status: "retrying",
        queuedAt: 1200,
        startedAt: 1250,
        finishedAt: 1400,
        durationMs: 150,
        error: { code: "http_503", message: "unavailable", retryable: true },
        retryAt: 5000,
      },
      {
        attempt: 2,
        status: "succeeded",
        queuedAt: 1600,
        startedAt: 1700,
        finishedAt: 1800,
        durationMs: 90,
        delivery: "queue",
        port: null,
        usage: { ...usage, costUsd: 0.0012 },
      },
    ]);
  });

  it("marks what waits and what a cancel ended", () => {
    const events = [
      ev(1, "node_queued", "agent", { attempt: 1 }),
      ev(2, "node_waiting", "agent", { reason: "budget", until: null }),
      ev(3, "run_cancelled", undefined),
    ];
    expect(attemptsOf(events, "agent")).toEqual([
      { attempt: 1, status: "cancelled", queuedAt: 1100, waitingFor: "budget", finishedAt: 1300 },
    ]);
    expect(attemptsOf(events, "nobody")).toEqual([]);
  });

  it("reads usage only when it has token counts; a null cost stays unknown", () => {
    expect(usageOf({ promptTokens: 1, completionTokens: 2, costUsd: null })).toEqual({
      promptTokens: 1,
      completionTokens: 2,
      cachedTokens: 0,
      calls: 0,
      costUsd: null,
    });
    expect(usageOf({ calls: 1 })).toBeUndefined();
    expect(formatCost(null)).toMatch(/no price/);
    expect(formatCost(0.00012)).toBe("$0.00012");
    expect(formatCost(0.5)).toBe("$0.5000");
    expect(formatCost(12.345)).toBe("$12.35");
  });
});

describe("live run state with agents", () => {
  it("keeps usage and the adding patch from the snapshot, and refetches it after patch events", () => {
    const usage = {
      promptTokens: 1,
      completionTokens: 2,
      cachedTokens: 0,
      calls: 1,
      costUsd: null,
    };
    const live = fromSnapshot({
      status: "running",
      lastSeq: 3,
      nodes: [
        { id: "triage", type: "agent", status: "succeeded", attempt: 1, iteration: 0, usage },
        { id: "lookup", type: "http", status: "pending", attempt: 0, iteration: 0, addedBy: 1 },
      ],
    });
    expect(live.nodes.triage!.usage).toEqual(usage);
    expect(live.nodes.lookup!.addedBy).toBe(1);
    for (const type of ["patch_proposed", "patch_applied", "patch_rejected"]) {
      expect(refreshesSnapshot(type)).toBe(true);
    }
    expect(refreshesSnapshot("node_queued")).toBe(false);
  });

  it("streams an agent's answer per attempt, ignoring late deltas of an older one", () => {
    let s = appendDelta({}, { nodeId: "a", attempt: 1, text: "Hel" });
    s = appendDelta(s, { nodeId: "a", attempt: 1, text: "lo" });
    expect(s.a).toEqual({ attempt: 1, text: "Hello", dropped: 0 });
    s = appendDelta(s, { nodeId: "a", attempt: 2, text: "New" });
    expect(s.a).toEqual({ attempt: 2, text: "New", dropped: 0 });
    expect(appendDelta(s, { nodeId: "a", attempt: 1, text: "late" })).toBe(s);
    const long = appendDelta(s, { nodeId: "a", attempt: 2, text: "x".repeat(LIVE_TEXT_MAX) });
    expect(long.a!.text).toHaveLength(LIVE_TEXT_MAX);
    expect(long.a!.dropped).toBe(3);
  });

  it("describes ops in words", () => {
    const ops = Patch.parse({
      ops: [
        ...addTwo.ops.slice(0, 1),
        { op: "add_edge", edge: { from: "a", to: "b", on: "error" } },
        { op: "remove_edge", from: "a", to: "b" },
        { op: "update_node", id: "b", name: "B", timeoutMs: 5 },
      ],
    }).ops;
    expect(ops.map(describeOp)).toEqual([
      "add node lookup (http)",
      "add edge a → b on error",
      "remove edge a → b",
      "change node b (timeout, name)",
    ]);
  });
});
