import { describe, expect, it } from "vitest";
import { compile } from "../compile/compile";
import type { IR } from "../compile/ir";
import { createRunState, type EdgeState, type RunState } from "../scheduler/state";
import type { WorkflowDefinition, WorkflowDefinitionInput } from "../workflow/definition";
import { validateWorkflow } from "../workflow/validate";
import { applyPatch } from "./apply";
import { DEFAULT_RUN_LIMITS } from "./limits";
import { Patch, type PatchInput } from "./ops";
import { rebaseState } from "./rebase";

type NodeInput = WorkflowDefinitionInput["nodes"][number];

const transform = (id: string): NodeInput => ({
  id,
  type: "transform",
  config: { expression: "input" },
});

function definition(
  nodes: NodeInput[],
  edges: WorkflowDefinitionInput["edges"],
): WorkflowDefinition {
  const r = validateWorkflow({
    name: "rebase",
    nodes: [{ id: "start", type: "start" }, ...nodes],
    edges,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.definition;
}

/** The new IR as the RunObject builds it: materialise, then compile. */
function patched(def: WorkflowDefinition, ops: PatchInput["ops"]): IR {
  const r = applyPatch(def, Patch.parse({ ops }), DEFAULT_RUN_LIMITS);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return compile(r.definition);
}

const key = (e: { from: string; to: string; on: string | null }) =>
  `${e.from}>${e.to}${e.on ? `:${e.on}` : ""}`;

/** Edge states by `from>to:on`, which is what must survive a rebase. */
const edgeStates = (ir: IR, state: RunState): Record<string, EdgeState> =>
  Object.fromEntries(ir.edges.map((e) => [key(e), state.edges[e.index]!]));

/** Sets edge states by key, so a test reads like the run it stands for. */
function setEdges(ir: IR, state: RunState, states: Record<string, EdgeState>): void {
  for (const [k, v] of Object.entries(states)) {
    const e = ir.edges.find((x) => key(x) === k);
    if (!e) throw new Error(`no edge ${k}`);
    state.edges[e.index] = v;
  }
}

/**
 * start → a; a → d listed early, so removing it shifts every later edge's index; a → b, a → c
 * (condition), b → d, c → d on true, c → x on false.
 */
const DIAMOND = definition(
  [
    transform("a"),
    transform("b"),
    { id: "c", type: "condition", config: { expression: "input.go" } },
    transform("d"),
    transform("x"),
  ],
  [
    { from: "start", to: "a" },
    { from: "a", to: "d" },
    { from: "a", to: "b" },
    { from: "a", to: "c" },
    { from: "b", to: "d" },
    { from: "c", to: "d", on: "true" },
    { from: "c", to: "x", on: "false" },
  ],
);

/** Part-way: a succeeded, b running, c succeeded on true, x skipped, d pending. */
function diamondState(ir: IR): RunState {
  const state = createRunState(ir, "run_rebase", 0);
  state.tokens = 1;
  Object.assign(state.nodes.start!, { status: "succeeded", attempt: 1, tries: 1 });
  Object.assign(state.nodes.a!, { status: "succeeded", attempt: 1, tries: 1, finishedAt: 3 });
  Object.assign(state.nodes.b!, { status: "running", attempt: 2, tries: 2, startedAt: 5 });
  Object.assign(state.nodes.c!, { status: "succeeded", attempt: 1, tries: 1, port: "true" });
  Object.assign(state.nodes.x!, { status: "skipped" });
  setEdges(ir, state, {
    "start>a": "fired",
    "a>d": "pending",
    "a>b": "fired",
    "a>c": "fired",
    "b>d": "pending",
    "c>d:true": "fired",
    "c>x:false": "dead",
  });
  return state;
}

describe("rebaseState", () => {
  it("keeps every edge's state by (from, to, on) when a removed edge shifts the indexes", () => {
    const before = compile(DIAMOND);
    const after = patched(DIAMOND, [{ op: "remove_edge", from: "a", to: "d" }]);
    const state = diamondState(before);
    const expected = edgeStates(before, state);
    delete expected["a>d"];
    // The removed edge came before the others: the same index now names another edge.
    expect(after.edges[1]).toMatchObject({ from: "a", to: "b" });

    const r = rebaseState(before, after, state);

    expect(state.edges).toHaveLength(after.edges.length);
    expect(edgeStates(after, state)).toEqual(expected);
    expect(r.addedEdges).toEqual([]);
    expect(r.addedNodes).toEqual([]);
    expect(r.touched).toEqual(["d"]); // the node whose way in changed: its join is evaluated again
  });

  it("keeps node states by id, untouched", () => {
    const before = compile(DIAMOND);
    const after = patched(DIAMOND, [
      { op: "add_node", node: transform("e") },
      { op: "add_edge", edge: { from: "d", to: "e" } },
      { op: "remove_edge", from: "a", to: "d" },
    ]);
    const state = diamondState(before);
    const nodes = structuredClone(state.nodes);

    rebaseState(before, after, state);

    const { e, ...kept } = state.nodes;
    expect(kept).toEqual(nodes);
    expect(e).toEqual({ status: "pending", attempt: 0, tries: 0, iteration: 0, redeliveries: 0 });
    expect(state.tokens).toBe(1);
  });

  it("adds new nodes and edges as pending, by their index in the new IR, and reports them", () => {
    const before = compile(DIAMOND);
    const after = patched(DIAMOND, [
      { op: "add_node", node: transform("e") },
      { op: "add_edge", edge: { from: "c", to: "e", on: "false" } },
      { op: "add_edge", edge: { from: "e", to: "d" } },
    ]);
    const state = diamondState(before);
    const old = edgeStates(before, state);

    const r = rebaseState(before, after, state);

    expect(r.addedNodes).toEqual(["e"]);
    expect(r.addedEdges.map((i) => key(after.edges[i]!))).toEqual(["c>e:false", "e>d"]);
    expect(edgeStates(after, state)).toEqual({ ...old, "c>e:false": "pending", "e>d": "pending" });
    expect(r.touched.sort()).toEqual(["d", "e"]);
  });

  it("reports a node whose step changed as touched, and not one whose name alone changed", () => {
    const before = compile(DIAMOND);
    const after = patched(DIAMOND, [
      { op: "update_node", id: "d", config: { expression: "2" } },
      { op: "update_node", id: "x", name: "renamed" },
    ]);
    const r = rebaseState(before, after, diamondState(before));
    expect(r.touched).toEqual(["d"]);
  });

  it("reports retry and timeout changes as touched", () => {
    const before = compile(DIAMOND);
    const after = patched(DIAMOND, [
      { op: "update_node", id: "d", retry: { maxAttempts: 4 } },
      { op: "update_node", id: "x", timeoutMs: 99 },
    ]);
    const r = rebaseState(before, after, diamondState(before));
    expect(r.touched.sort()).toEqual(["d", "x"]);
  });

  it("changes nothing for a patch that only renames", () => {
    const before = compile(DIAMOND);
    const after = patched(DIAMOND, [{ op: "update_node", id: "d", name: "Dee" }]);
    const state = diamondState(before);
    const copy = structuredClone(state);
    expect(rebaseState(before, after, state)).toEqual({
      addedEdges: [],
      addedNodes: [],
      touched: [],
    });
    expect(state).toEqual(copy);
  });

  it("carries loop counts with their loop edge when its index moves", () => {
    const looped = definition(
      [
        transform("pre"),
        transform("body"),
        { id: "chk", type: "condition", config: { expression: "input.more" } },
        transform("out"),
      ],
      [
        { from: "start", to: "pre" },
        { from: "start", to: "out" },
        { from: "pre", to: "body" },
        { from: "body", to: "chk" },
        { from: "chk", to: "body", on: "true", loop: { maxIterations: 5 } },
        { from: "chk", to: "out", on: "false" },
      ],
    );
    const before = compile(looped);
    const loopBefore = before.edges.find((e) => e.loop !== null)!;
    const state = createRunState(before, "run_loop", 0);
    state.loopCounts[loopBefore.index] = 3;
    state.edges[loopBefore.index] = "pending";

    const after = patched(looped, [{ op: "remove_edge", from: "start", to: "out" }]);
    const loopAfter = after.edges.find((e) => e.loop !== null)!;
    expect(loopAfter.index).toBe(loopBefore.index - 1);

    rebaseState(before, after, state);

    expect(state.loopCounts).toEqual({ [loopAfter.index]: 3 });
    expect(state.edges[loopAfter.index]).toBe("pending");
  });

  it("gives a loop edge added by a patch no count", () => {
    const before = compile(DIAMOND);
    const after = patched(DIAMOND, [
      { op: "add_edge", edge: { from: "d", to: "b", loop: { maxIterations: 2 } } },
    ]);
    const state = diamondState(before);
    rebaseState(before, after, state);
    expect(state.loopCounts).toEqual({});
  });
});
