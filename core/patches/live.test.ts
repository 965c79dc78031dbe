import { beforeEach, describe, expect, it } from "vitest";
import { compile } from "../compile/compile";
import type { IR } from "../compile/ir";
import { step } from "../scheduler/scheduler";
import type { Outcome, Signal } from "../scheduler/signals";
import { createRunState, type RunState } from "../scheduler/state";
import type { WorkflowDefinitionInput } from "../workflow/definition";
import { formatPath } from "../workflow/issues";
import { validateWorkflow } from "../workflow/validate";
import { checkLive } from "./live";
import { Patch, type PatchInput } from "./ops";

type NodeInput = WorkflowDefinitionInput["nodes"][number];

function build(nodes: NodeInput[], edges: WorkflowDefinitionInput["edges"]): IR {
  const r = validateWorkflow({
    name: "live",
    nodes: [{ id: "start", type: "start" }, ...nodes],
    edges,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return compile(r.definition);
}

const transform = (id: string): NodeInput => ({
  id,
  type: "transform",
  config: { expression: "input" },
});

/**
 * start → a; a → q (queued http) → p; a → gate (approval) → z on approved;
 * a → c (condition) → t on true, → f on false; a → bad (fails, unrouted).
 */
const GRAPH = build(
  [
    transform("a"),
    { id: "q", type: "http", config: { url: "https://api.example.com/x" } },
    transform("p"),
    { id: "gate", type: "approval", config: { message: "ok?" } },
    transform("z"),
    { id: "c", type: "condition", config: { expression: "input.go" } },
    transform("t"),
    transform("f"),
    transform("bad"),
  ],
  [
    { from: "start", to: "a" },
    { from: "a", to: "q" },
    { from: "q", to: "p" },
    { from: "a", to: "gate" },
    { from: "gate", to: "z", on: "approved" },
    { from: "a", to: "c" },
    { from: "c", to: "t", on: "true" },
    { from: "c", to: "f", on: "false" },
    { from: "a", to: "bad" },
  ],
);

/**
 * The run part-way: a and c succeeded (c on `true`), f skipped, bad failed, q queued, gate
 * waiting for people, t running, p and z pending.
 */
function midRun(): RunState {
  const state = createRunState(GRAPH, "run_live", 0);
  const send = (s: Signal) => step(GRAPH, state, s);
  const result = (nodeId: string, outcome: Outcome) =>
    send({ type: "result", nodeId, attempt: 1, outcome, now: 1 });
  send({ type: "start", now: 0 });
  result("start", { ok: true, port: null });
  result("a", { ok: true, port: null });
  send({ type: "wait", nodeId: "gate", attempt: 1, until: null, reason: "approval", now: 1 });
  result("c", { ok: true, port: "true" });
  result("bad", { ok: false, error: { code: "boom", message: "boom", retryable: false } });
  return state;
}

let state: RunState;
beforeEach(() => {
  state = midRun();
});

const check = (ops: PatchInput["ops"]) =>
  checkLive(GRAPH, state, Patch.parse({ ops })).map((i) => `${formatPath(i.path)}: ${i.code}`);

const edge = (from: string, to: string) =>
  state.edges[GRAPH.edges.find((e) => e.from === from && e.to === to)!.index];

describe("the run the checks are made against", () => {
  it("is where the tests say it is", () => {
    const statuses = Object.fromEntries(
      Object.entries(state.nodes).map(([id, n]) => [id, n.status]),
    );
    expect(statuses).toEqual({
      start: "succeeded",
      a: "succeeded",
      q: "queued",
      p: "pending",
      gate: "waiting",
      z: "pending",
      c: "succeeded",
      t: "running",
      f: "skipped",
      bad: "failed",
    });
    expect([edge("a", "q"), edge("c", "f"), edge("q", "p")]).toEqual(["fired", "dead", "pending"]);
  });
});

describe("checkLive: update_node", () => {
  it.each([
    ["q", "queued"],
    ["t", "running"],
    ["gate", "waiting"],
    ["a", "succeeded"],
    ["bad", "failed"],
    ["f", "skipped"],
  ])("refuses to change %s, which is %s", (id, status) => {
    const issues = checkLive(
      GRAPH,
      state,
      Patch.parse({ ops: [{ op: "update_node", id, name: "x" }] }),
    );
    expect(issues.map((i) => `${formatPath(i.path)}: ${i.code}`)).toEqual([
      "ops[0].id: node_started",
    ]);
    expect(issues[0]!.message).toContain(`it is ${status}`);
  });

  it("lets a node that has not started change", () => {
    expect(check([{ op: "update_node", id: "p", config: { expression: "2" } }])).toEqual([]);
  });
});

describe("checkLive: add_edge", () => {
  it("refuses an edge into a node that has started, at ops[i].edge.to", () => {
    expect(
      check([
        { op: "add_node", node: transform("n") },
        { op: "add_edge", edge: { from: "start", to: "n" } },
        { op: "add_edge", edge: { from: "n", to: "t" } },
      ]),
    ).toEqual(["ops[2].edge.to: node_started"]);
  });

  it("refuses an edge into a node that waits for people", () => {
    expect(check([{ op: "add_edge", edge: { from: "p", to: "gate" } }])).toEqual([
      "ops[0].edge.to: node_started",
    ]);
  });

  it("refuses an edge into a node that has finished", () => {
    expect(check([{ op: "add_edge", edge: { from: "p", to: "a" } }])).toEqual([
      "ops[0].edge.to: node_started",
    ]);
  });

  it("accepts an edge into a pending node, from any node (settled or not)", () => {
    expect(
      check([
        { op: "add_edge", edge: { from: "a", to: "z" } },
        { op: "add_edge", edge: { from: "bad", to: "p", on: "error" } },
        { op: "add_edge", edge: { from: "q", to: "z" } },
      ]),
    ).toEqual([]);
  });

  it("accepts an edge into a node the same patch adds", () => {
    expect(
      check([
        { op: "add_node", node: transform("n") },
        { op: "add_edge", edge: { from: "a", to: "n" } },
        { op: "update_node", id: "n", name: "new" },
      ]),
    ).toEqual([]);
  });
});

describe("checkLive: remove_edge", () => {
  it("refuses to remove an edge that fired", () => {
    const issues = checkLive(
      GRAPH,
      state,
      Patch.parse({ ops: [{ op: "remove_edge", from: "a", to: "q" }] }),
    );
    expect(issues.map((i) => `${formatPath(i.path)}: ${i.code}`)).toEqual([
      "ops[0]: edge_resolved",
    ]);
    expect(issues[0]!.message).toContain("fired");
  });

  it("refuses to remove an edge that died", () => {
    const issues = checkLive(
      GRAPH,
      state,
      Patch.parse({ ops: [{ op: "remove_edge", from: "c", to: "f", on: "false" }] }),
    );
    expect(issues.map((i) => `${formatPath(i.path)}: ${i.code}`)).toEqual([
      "ops[0]: edge_resolved",
    ]);
    expect(issues[0]!.message).toContain("dead");
  });

  it("lets a pending edge go", () => {
    expect(
      check([
        { op: "remove_edge", from: "q", to: "p" },
        { op: "remove_edge", from: "gate", to: "z", on: "approved" },
      ]),
    ).toEqual([]);
  });

  it("matches `on`: c → t on true has fired; c → t without `on` is another edge", () => {
    expect(check([{ op: "remove_edge", from: "c", to: "t", on: "true" }])).toEqual([
      "ops[0]: edge_resolved",
    ]);
    // No such edge: the materialiser reports it, not the live check.
    expect(check([{ op: "remove_edge", from: "c", to: "t" }])).toEqual([]);
  });
});

describe("checkLive: several problems", () => {
  it("reports each refused op at its own index", () => {
    expect(
      check([
        { op: "update_node", id: "p", name: "fine" },
        { op: "update_node", id: "a", name: "no" },
        { op: "remove_edge", from: "start", to: "a" },
        { op: "add_edge", edge: { from: "p", to: "q" } },
      ]),
    ).toEqual(["ops[1].id: node_started", "ops[2]: edge_resolved", "ops[3].edge.to: node_started"]);
  });
});

describe("checkLive: loops", () => {
  it("refuses to change a loop body node that ran in an earlier iteration, though it is pending again", () => {
    const ir = build(
      [
        transform("x"),
        { id: "chk", type: "condition", config: { expression: "input.more" } },
        transform("out"),
      ],
      [
        { from: "start", to: "x" },
        { from: "x", to: "chk" },
        { from: "chk", to: "x", on: "true", loop: { maxIterations: 3 } },
        { from: "chk", to: "out", on: "false" },
      ],
    );
    const s = createRunState(ir, "run_loop", 0);
    const ok = (nodeId: string, attempt: number, port: string | null = null) =>
      step(ir, s, { type: "result", nodeId, attempt, outcome: { ok: true, port }, now: 1 });
    step(ir, s, { type: "start", now: 0 });
    ok("start", 1);
    ok("x", 1);
    ok("chk", 1, "true"); // loops: x runs again, chk is pending for iteration 2
    expect(s.nodes.chk).toMatchObject({ status: "pending", attempt: 1, iteration: 1 });
    const issues = checkLive(
      ir,
      s,
      Patch.parse({ ops: [{ op: "update_node", id: "chk", config: { expression: "false" } }] }),
    );
    expect(issues.map((i) => i.code)).toEqual(["node_started"]);
    // `out` has never run: it may change.
    expect(
      checkLive(ir, s, Patch.parse({ ops: [{ op: "update_node", id: "out", name: "o" }] })),
    ).toEqual([]);
  });
});
