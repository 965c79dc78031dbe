import { describe, expect, it } from "vitest";
import { topologicalOrder } from "./order";
import { compareRuns, type NodeFacts, type RunFacts } from "./run-diff";

/** start → fetch → stamp → done, and start → side (a branch beside them). */
const edges = [
  { from: "start", to: "fetch" },
  { from: "fetch", to: "stamp" },
  { from: "stamp", to: "done" },
  { from: "start", to: "side" },
];

function run(createdAt: number, nodes: NodeFacts[], more = edges): RunFacts {
  return { createdAt, nodes, edges: more };
}

const ok = (id: string, hash: string, startedAt: number): NodeFacts => ({
  id,
  status: "succeeded",
  outputHash: hash,
  startedAt,
});

describe("topologicalOrder", () => {
  it("puts every node after its predecessors, ready nodes by rank, loop back edges aside", () => {
    const ids = ["done", "b", "a", "start"];
    const graph = [
      { from: "start", to: "a" },
      { from: "start", to: "b" },
      { from: "a", to: "done" },
      { from: "b", to: "done" },
      { from: "done", to: "start", loop: { maxIterations: 3 } },
    ];
    expect(topologicalOrder(ids, graph)).toEqual(["start", "b", "a", "done"]);
    const rank = (id: string) => ({ start: 0, a: 5, b: 9, done: 10 })[id] ?? 0;
    expect(topologicalOrder(ids, graph, rank)).toEqual(["start", "a", "b", "done"]);
  });

  it("keeps nodes of unknown edges and of a cycle, last, in list order", () => {
    const order = topologicalOrder(
      ["x", "y", "z"],
      [
        { from: "x", to: "y" },
        { from: "y", to: "x" },
        { from: "q", to: "z" },
      ],
    );
    expect(order).toEqual(["z", "x", "y"]);
  });
});

describe("compareRuns", () => {
  const source = run(1000, [
    ok("start", "h-start", 1000),
    ok("fetch", "h-fetch", 1001),
    ok("stamp", "h-stamp-1", 1050),
    ok("done", "h-done-1", 1060),
    ok("side", "h-side", 1002),
  ]);

  it("marks the replayed node whose output changed as the first divergence, not a later one", () => {
    // A replay from `stamp`: start and fetch reused (same hashes), stamp and done ran again.
    const replay = run(5000, [
      ok("start", "h-start", 5000),
      ok("fetch", "h-fetch", 5000),
      ok("stamp", "h-stamp-2", 5001),
      ok("done", "h-done-2", 5002),
      ok("side", "h-side", 5000),
    ]);
    const diff = compareRuns(source, replay);
    expect(diff.pairs.map((p) => p.id)).toEqual(["start", "fetch", "side", "stamp", "done"]);
    expect(diff.pairs.map((p) => p.differences)).toEqual([[], [], [], ["output"], ["output"]]);
    expect(diff.firstDivergence).toBe(3);
    expect(diff.summary).toEqual({ nodes: 5, same: 3, different: 2, onlyA: 0, onlyB: 0 });
  });

  it("finds none between a run and itself; outputs are the same when neither has one", () => {
    const failed = run(0, [
      { id: "start", status: "succeeded", outputHash: "s", startedAt: 0 },
      { id: "fetch", status: "failed", startedAt: 1 },
      { id: "stamp", status: "skipped" },
    ]);
    const diff = compareRuns(failed, failed);
    expect(diff.firstDivergence).toBeNull();
    expect(diff.pairs.every((p) => p.sameOutput && p.sameStatus)).toBe(true);
  });

  it("takes ready nodes in the order they started; a node never comes before its inputs", () => {
    // `side` started before `fetch` in both runs, and both differ: `side` is the first
    // divergence. `stamp` started first of all in b (its clock is b's), yet follows `fetch`.
    const a = run(0, [
      ok("start", "s", 0),
      ok("fetch", "f1", 3),
      ok("side", "x1", 1),
      ok("stamp", "t", 4),
    ]);
    const b = run(100, [
      ok("start", "s", 100),
      { id: "fetch", status: "failed", startedAt: 103 },
      ok("side", "x2", 101),
      ok("stamp", "t", 100),
    ]);
    const diff = compareRuns(a, b);
    expect(diff.pairs.map((p) => p.id)).toEqual(["start", "side", "fetch", "stamp"]);
    expect(diff.pairs[2]!.differences).toEqual(["status", "output"]);
    expect(diff.pairs[diff.firstDivergence!]!.id).toBe("side");
  });

  it("says which run lacks a node (a patch added it to one), counting it as a divergence", () => {
    const patched = run(
      5000,
      [
        ...source.nodes.map((n) => ({ ...n, startedAt: (n.startedAt ?? 0) + 4000 })),
        ok("extra", "x", 5055),
      ],
      [...edges, { from: "stamp", to: "extra" }],
    );
    const diff = compareRuns(source, patched);
    const extra = diff.pairs.find((p) => p.id === "extra")!;
    expect(extra).toMatchObject({ a: null, differences: ["only_b"], sameStatus: false });
    expect(diff.pairs.map((p) => p.id).indexOf("extra")).toBeGreaterThan(
      diff.pairs.map((p) => p.id).indexOf("stamp"),
    );
    expect(diff.pairs[diff.firstDivergence!]!.id).toBe("extra");
    expect(diff.summary).toMatchObject({ onlyA: 0, onlyB: 1, different: 1 });
  });
});
