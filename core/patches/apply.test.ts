import { describe, expect, it } from "vitest";
import type { WorkflowDefinition, WorkflowDefinitionInput } from "../workflow/definition";
import { formatPath } from "../workflow/issues";
import { validateWorkflow } from "../workflow/validate";
import { type ApplyResult, applyPatch, materialise } from "./apply";
import { DEFAULT_RUN_LIMITS, RunLimits } from "./limits";
import { Patch, type PatchInput } from "./ops";

/** start → a (transform) → b (condition) → c on true. */
const BASE: WorkflowDefinitionInput = {
  name: "base",
  nodes: [
    { id: "start", type: "start" },
    { id: "a", type: "transform", config: { expression: "input" } },
    { id: "b", type: "condition", config: { expression: "input.go" } },
    { id: "c", type: "transform", config: { expression: "1" } },
  ],
  edges: [
    { from: "start", to: "a" },
    { from: "a", to: "b" },
    { from: "b", to: "c", on: "true" },
  ],
};

function definition(input: WorkflowDefinitionInput = BASE): WorkflowDefinition {
  const r = validateWorkflow(input);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.definition;
}

/** Parses like the API and the tool do, so defaults (join, config) are filled in. */
const patch = (input: PatchInput): Patch => Patch.parse(input);

const apply = (ops: PatchInput["ops"], base = definition(), limits = DEFAULT_RUN_LIMITS) =>
  applyPatch(base, patch({ ops }), limits);

function ok(r: ApplyResult): WorkflowDefinition {
  if (!r.ok) throw new Error(`expected the patch to apply: ${JSON.stringify(r.errors)}`);
  return r.definition;
}

/** Each problem as `path: code`, the way a model or a person reads it. */
function problems(r: ApplyResult): string[] {
  if (r.ok) throw new Error("expected the patch to be refused");
  return r.errors.map((e) => `${formatPath(e.path)}: ${e.code}`);
}

const edgesOf = (d: WorkflowDefinition) =>
  d.edges.map((e) => `${e.from}>${e.to}${e.on ? `:${e.on}` : ""}`);

const transform = (id: string, expression = "input") => ({
  id,
  type: "transform",
  config: { expression },
});

describe("applyPatch: each op", () => {
  it("add_node + add_edge: the node joins the graph behind its new edge", () => {
    const d = ok(
      apply([
        { op: "add_node", node: transform("d") },
        { op: "add_edge", edge: { from: "c", to: "d" } },
      ]),
    );
    expect(d.nodes.map((n) => n.id)).toEqual(["start", "a", "b", "c", "d"]);
    expect(d.nodes[4]).toEqual({ ...transform("d"), join: "all" });
    expect(edgesOf(d)).toEqual(["start>a", "a>b", "b>c:true", "c>d"]);
  });

  it("add_edge on a port of a branching node", () => {
    const d = ok(
      apply([
        { op: "add_node", node: transform("no") },
        { op: "add_edge", edge: { from: "b", to: "no", on: "false" } },
      ]),
    );
    expect(edgesOf(d)).toContain("b>no:false");
  });

  it("remove_edge matches from, to and on", () => {
    // Give c a second way in so removing b → c keeps it reachable.
    const d = ok(
      apply([
        { op: "add_edge", edge: { from: "a", to: "c" } },
        { op: "remove_edge", from: "b", to: "c", on: "true" },
      ]),
    );
    expect(edgesOf(d)).toEqual(["start>a", "a>b", "a>c"]);
  });

  it("remove_edge without `on` does not remove an edge that has one", () => {
    expect(problems(apply([{ op: "remove_edge", from: "b", to: "c" }]))).toEqual([
      "ops[0]: unknown_edge",
    ]);
  });

  it("update_node replaces the config whole and sets retry, timeout and name", () => {
    const d = ok(
      apply([
        {
          op: "update_node",
          id: "c",
          config: { expression: "2" },
          retry: { maxAttempts: 3 },
          timeoutMs: 1234,
          name: "Two",
        },
      ]),
    );
    const c = d.nodes.find((n) => n.id === "c");
    expect(c).toMatchObject({
      id: "c",
      type: "transform",
      name: "Two",
      config: { expression: "2" },
      timeoutMs: 1234,
      retry: { maxAttempts: 3, backoff: "exponential" },
    });
  });

  it("applies ops in order: an edge cannot lead to a node a later op adds", () => {
    const r = apply([
      { op: "add_edge", edge: { from: "c", to: "d" } },
      { op: "add_node", node: transform("d") },
    ]);
    expect(problems(r)).toEqual(["ops[0].edge.to: unknown_node"]);
  });
});

describe("applyPatch: errors point at the op that caused them", () => {
  it("an edge to a node that does not exist: ops[1].edge.to", () => {
    const r = apply([
      { op: "add_node", node: transform("d") },
      { op: "add_edge", edge: { from: "c", to: "nowhere" } },
    ]);
    expect(problems(r)).toEqual(["ops[1].edge.to: unknown_node"]);
    expect(r.ok || r.errors[0]!.message).toContain('"nowhere"');
  });

  it("an edge from a node that does not exist: ops[0].edge.from", () => {
    expect(problems(apply([{ op: "add_edge", edge: { from: "ghost", to: "c" } }]))).toEqual([
      "ops[0].edge.from: unknown_node",
    ]);
  });

  it("a bad expression in an added node: ops[0].node.config.expression", () => {
    const r = apply([
      { op: "add_node", node: transform("d", "(((") },
      { op: "add_edge", edge: { from: "c", to: "d" } },
    ]);
    expect(problems(r)).toEqual(["ops[0].node.config.expression: invalid_expression"]);
  });

  it("a bad expression set by update_node: ops[0].config.expression", () => {
    const r = apply([{ op: "update_node", id: "c", config: { expression: "(((" } }]);
    expect(problems(r)).toEqual(["ops[0].config.expression: invalid_expression"]);
  });

  it("a config update_node sets that does not fit the kind: paths under ops[0].config", () => {
    const r = apply([{ op: "update_node", id: "c", config: { expr: "1" } }]);
    const paths = problems(r);
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect(p).toMatch(/^ops\[0\]\.config/);
    expect(paths).toContain("ops[0].config.expression: invalid_config");
  });

  it("update_node on a node that does not exist: ops[0].id", () => {
    expect(problems(apply([{ op: "update_node", id: "zz", name: "x" }]))).toEqual([
      "ops[0].id: unknown_node",
    ]);
  });

  it("an edge without `on` out of a condition: ops[1].edge.on", () => {
    const r = apply([
      { op: "add_node", node: transform("d") },
      { op: "add_edge", edge: { from: "b", to: "d" } },
    ]);
    expect(problems(r)).toEqual(["ops[1].edge.on: port_required"]);
  });

  it("an edge on a port the node does not offer: ops[1].edge.on", () => {
    const r = apply([
      { op: "add_node", node: transform("d") },
      { op: "add_edge", edge: { from: "b", to: "d", on: "maybe" } },
    ]);
    expect(problems(r)).toEqual(["ops[1].edge.on: unknown_port"]);
  });

  it("a problem in the base graph the patch did not touch keeps its graph path", () => {
    // The materialiser is only ever given valid graphs; an invalid one must not be blamed on the patch.
    const base = { ...definition(), edges: [...definition().edges, { from: "a", to: "ghost" }] };
    const r = applyPatch(base, patch({ ops: [{ op: "update_node", id: "c", name: "x" }] }), {
      ...DEFAULT_RUN_LIMITS,
    });
    expect(problems(r)).toEqual(["edges[3].to: unknown_node"]);
  });
});

describe("applyPatch: graph rules", () => {
  it("refuses a duplicate node id", () => {
    const r = apply([{ op: "add_node", node: transform("a") }]);
    expect(problems(r)).toEqual(["ops[0].node.id: duplicate_id"]);
  });

  it("refuses to add an edge that already exists", () => {
    expect(problems(apply([{ op: "add_edge", edge: { from: "a", to: "b" } }]))).toEqual([
      "ops[0].edge: duplicate_edge",
    ]);
  });

  it("refuses to remove an edge that does not exist, naming it", () => {
    const r = apply([{ op: "remove_edge", from: "a", to: "c" }]);
    expect(problems(r)).toEqual(["ops[0]: unknown_edge"]);
    expect(r.ok || r.errors[0]!.message).toContain("a → c");
  });

  it("refuses a cycle introduced by a patch, pointing at the edge that closes it", () => {
    const r = apply([{ op: "add_edge", edge: { from: "c", to: "a" } }]);
    expect(problems(r)).toEqual(["ops[0].edge: cycle"]);
    expect(r.ok || r.errors[0]!.message).toContain("loop");
  });

  it("accepts the same back edge when it is a bounded loop", () => {
    const d = ok(
      apply([{ op: "add_edge", edge: { from: "c", to: "a", loop: { maxIterations: 2 } } }]),
    );
    expect(d.edges.at(-1)).toEqual({ from: "c", to: "a", loop: { maxIterations: 2 } });
  });

  it("refuses an added node nothing leads to", () => {
    const r = apply([{ op: "add_node", node: transform("island") }]);
    expect(problems(r)).toEqual(["ops[0].node: unreachable"]);
  });

  it("refuses a remove_edge that leaves a node unreachable", () => {
    const r = apply([{ op: "remove_edge", from: "b", to: "c", on: "true" }]);
    expect(problems(r)).toEqual(["nodes[3]: unreachable"]);
  });

  it("refuses an edge into the start node", () => {
    expect(problems(apply([{ op: "add_edge", edge: { from: "c", to: "start" } }]))).toEqual([
      "ops[0].edge.to: edge_into_start",
    ]);
  });

  it("accepts a node of an unknown kind with a warning pointing at its type", () => {
    const r = apply([
      { op: "add_node", node: { id: "tp", type: "teleport", config: {} } },
      { op: "add_edge", edge: { from: "c", to: "tp" } },
    ]);
    const d = ok(r);
    expect(d.nodes.at(-1)?.type).toBe("teleport");
    expect(r.ok && r.warnings.map((w) => `${formatPath(w.path)}: ${w.code}`)).toEqual([
      "ops[0].node.type: unknown_type",
    ]);
  });

  it("refuses a node whose config misses a field, naming it within the op", () => {
    const r = apply([
      { op: "add_node", node: { id: "sub", type: "subworkflow", config: {} } },
      { op: "add_edge", edge: { from: "c", to: "sub" } },
    ]);
    expect(problems(r)).toEqual(["ops[0].node.config.workflow: invalid_config"]);
  });
});

describe("applyPatch: run limits", () => {
  const agent = (id: string) => ({ id, type: "agent", config: { prompt: "do it" } });

  it("refuses an agent over agentsPerRun, counting the base's agents, and names the limit", () => {
    const base = definition({
      ...BASE,
      nodes: [...BASE.nodes, agent("ag1")],
      edges: [...(BASE.edges ?? []), { from: "c", to: "ag1" }],
    });
    const limits = RunLimits.parse({ agentsPerRun: 2 });
    const second = ok(
      apply(
        [
          { op: "add_node", node: agent("ag2") },
          { op: "add_edge", edge: { from: "ag1", to: "ag2" } },
        ],
        base,
        limits,
      ),
    );
    const r = apply(
      [
        { op: "add_node", node: agent("ag3") },
        { op: "add_edge", edge: { from: "ag2", to: "ag3" } },
      ],
      second,
      limits,
    );
    expect(problems(r)).toEqual(["nodes: limit_exceeded"]);
    expect(r.ok || r.errors[0]!.message).toMatch(/agentsPerRun is 2.*3 agent/);
  });

  it("refuses growth over nodesPerRun and names the limit", () => {
    const limits = RunLimits.parse({ nodesPerRun: 5 });
    const one = ok(
      apply(
        [
          { op: "add_node", node: transform("d") },
          { op: "add_edge", edge: { from: "c", to: "d" } },
        ],
        definition(),
        limits,
      ),
    );
    const r = apply(
      [
        { op: "add_node", node: transform("e") },
        { op: "add_edge", edge: { from: "d", to: "e" } },
      ],
      one,
      limits,
    );
    expect(problems(r)).toEqual(["nodes: limit_exceeded"]);
    expect(r.ok || r.errors[0]!.message).toContain("nodesPerRun is 5");
  });
});

describe("applyPatch: purity", () => {
  it("does not modify the definition it is given, whether the patch applies or not", () => {
    const base = definition();
    const snapshot = structuredClone(base);
    ok(
      apply(
        [
          { op: "update_node", id: "c", config: { expression: "2" }, retry: { maxAttempts: 2 } },
          { op: "add_node", node: transform("d") },
          { op: "add_edge", edge: { from: "c", to: "d" } },
          { op: "remove_edge", from: "a", to: "b" },
          { op: "add_edge", edge: { from: "start", to: "b" } },
        ],
        base,
      ),
    );
    apply([{ op: "update_node", id: "a", config: { expression: "(((" } }], base);
    expect(base).toEqual(snapshot);
  });

  it("does not share the patch's objects with the result", () => {
    const p = patch({
      ops: [
        { op: "add_node", node: transform("d") },
        { op: "add_edge", edge: { from: "c", to: "d" } },
      ],
    });
    const d = ok(applyPatch(definition(), p, DEFAULT_RUN_LIMITS));
    (d.nodes.at(-1)!.config as { expression: string }).expression = "changed";
    expect(p.ops[0]).toMatchObject({ node: { config: { expression: "input" } } });
  });
});

describe("materialise", () => {
  const addD = patch({
    ops: [
      { op: "add_node", node: transform("d") },
      { op: "add_edge", edge: { from: "c", to: "d" } },
    ],
  });
  const addE = patch({
    ops: [
      { op: "add_node", node: transform("e") },
      { op: "add_edge", edge: { from: "d", to: "e" } },
    ],
  });

  it("folds patches in order: a later patch builds on an earlier one's node", () => {
    const r = materialise(definition(), [addD, addE], DEFAULT_RUN_LIMITS);
    expect(edgesOf(ok(r))).toEqual(["start>a", "a>b", "b>c:true", "c>d", "d>e"]);
  });

  it("equals applying the patches one after the other", () => {
    const stepwise = ok(
      applyPatch(ok(applyPatch(definition(), addD, DEFAULT_RUN_LIMITS)), addE, DEFAULT_RUN_LIMITS),
    );
    expect(ok(materialise(definition(), [addD, addE], DEFAULT_RUN_LIMITS))).toEqual(stepwise);
  });

  it("with no patches is the base", () => {
    expect(ok(materialise(definition(), [], DEFAULT_RUN_LIMITS))).toEqual(definition());
  });

  it("in the other order fails, and the path names the patch and the op", () => {
    const r = materialise(definition(), [addE, addD], DEFAULT_RUN_LIMITS);
    expect(problems(r)).toEqual(["patches[0].ops[1].edge.from: unknown_node"]);
  });

  it("reports each warning once, at the patch that caused it", () => {
    const base = definition({
      name: "unknowns",
      nodes: [
        { id: "start", type: "start" },
        { id: "a", type: "teleport" },
      ],
      edges: [{ from: "start", to: "a" }],
    });
    const warp = patch({
      ops: [
        { op: "add_node", node: { id: "x", type: "warp" } },
        { op: "add_edge", edge: { from: "a", to: "x" } },
      ],
    });
    const after = patch({
      ops: [
        { op: "add_node", node: transform("y") },
        { op: "add_edge", edge: { from: "x", to: "y" } },
      ],
    });
    const r = materialise(base, [warp, after], DEFAULT_RUN_LIMITS);
    expect(r.ok && r.warnings.map((w) => `${formatPath(w.path)}: ${w.code}`)).toEqual([
      "patches[0].ops[0].node.type: unknown_type",
    ]);
  });

  it("prefixes a later patch's graph error with its index", () => {
    const cycle = patch({ ops: [{ op: "add_edge", edge: { from: "e", to: "a" } }] });
    const r = materialise(definition(), [addD, addE, cycle], DEFAULT_RUN_LIMITS);
    expect(problems(r)).toEqual(["patches[2].ops[0].edge: cycle"]);
  });
});
