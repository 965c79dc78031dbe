import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  err,
  MemoryRun,
  type Oracle,
  ok,
  oracleExecutor,
  type Reply,
  simulate,
} from "../../test/support/engine/simulator";
import { compile } from "../compile/compile";
import type { IR } from "../compile/ir";
import { ACTIVE, type NodeState, type RunState } from "../scheduler/state";
import type { WorkflowDefinition, WorkflowDefinitionInput } from "../workflow/definition";
import { validateWorkflow } from "../workflow/validate";
import { applyPatch, materialise } from "./apply";
import { DEFAULT_RUN_LIMITS } from "./limits";
import { checkLive } from "./live";
import { Patch, type PatchOp } from "./ops";
import { rebaseState } from "./rebase";

/*
 * Patching a run part-way gives the run the patched graph would have had from the start.
 *
 * Random DAGs (no loops, no maps: single nodes of every other shape, unknown kinds included),
 * outcomes that depend on the node and its try only, FIFO delivery. At a random step, a random
 * patch adds 1-3 nodes, each hanging off nodes that have not failed (pending, in flight or
 * settled: the `patched` signal resolves an edge from a settled node as if it had always been
 * there) and possibly leading into nodes that have not started, and removes pending edges whose
 * target keeps another way in. The patch goes through every layer, the swap is done as the
 * RunObject does it (rebase, then the `patched` signal), and the run finishes. Its final node
 * statuses and run status must equal those of the materialised graph run from the start.
 *
 * Sources that failed are left out, on purpose: a failure nothing routed when it happened has
 * already marked the run as failing, and an `error` edge added later does not undo that (see
 * core/scheduler/patched.test.ts), so only the run status could differ.
 */

type NodeInput = WorkflowDefinitionInput["nodes"][number];
type EdgeInput = NonNullable<WorkflowDefinitionInput["edges"]>[number];

const KINDS = ["transform", "condition", "switch", "http", "delay", "teleport"] as const;
type Kind = (typeof KINDS)[number];

type Fate =
  | { type: "ok" }
  | { type: "flaky"; failures: number }
  | { type: "fatal" }
  | { type: "exhaust" };

interface NodeGene {
  kind: Kind;
  fate: Fate;
  maxAttempts: number;
  /** Which port a branching node takes. */
  port: number;
  any: boolean;
  waitMs: number;
}

interface ParentGene {
  pick: number;
  port: number;
  error: boolean;
}

interface BaseUnit {
  node: NodeGene;
  parents: ParentGene[];
}

interface NewNodeGene {
  node: NodeGene;
  parents: ParentGene[];
  /** Existing nodes (not started) the new node also leads into. */
  children: number[];
}

interface PatchGene {
  /** The step after which the patch arrives (taken modulo the unpatched run's length). */
  at: number;
  nodes: NewNodeGene[];
  removals: number[];
}

const fateArb: fc.Arbitrary<Fate> = fc.oneof(
  { weight: 5, arbitrary: fc.constant({ type: "ok" as const }) },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 1, max: 2 }).map((failures) => ({
      type: "flaky" as const,
      failures,
    })),
  },
  { weight: 1, arbitrary: fc.constant({ type: "fatal" as const }) },
  { weight: 1, arbitrary: fc.constant({ type: "exhaust" as const }) },
);

const nodeGeneArb: fc.Arbitrary<NodeGene> = fc.record({
  kind: fc.constantFrom(...KINDS, "transform", "condition", "http"),
  fate: fateArb,
  maxAttempts: fc.integer({ min: 1, max: 3 }),
  port: fc.nat({ max: 5 }),
  any: fc.boolean(),
  waitMs: fc.integer({ min: 0, max: 3000 }),
});

const parentArb: fc.Arbitrary<ParentGene> = fc.record({
  pick: fc.nat(),
  port: fc.nat(),
  error: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
});

const caseArb = fc.record({
  units: fc.array(
    fc.record({ node: nodeGeneArb, parents: fc.array(parentArb, { minLength: 1, maxLength: 3 }) }),
    { minLength: 1, maxLength: 12 },
  ),
  patch: fc.record({
    at: fc.nat(),
    nodes: fc.array(
      fc.record({
        node: nodeGeneArb,
        parents: fc.array(parentArb, { minLength: 1, maxLength: 3 }),
        children: fc.array(fc.nat(), { maxLength: 2 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
    removals: fc.array(fc.nat(), { maxLength: 2 }),
  }),
});

const HTTP_URL = "https://api.example.com/x";

function portsOf(kind: Kind | "start"): (string | null)[] {
  if (kind === "condition") return ["true", "false"];
  if (kind === "switch") return ["a", "b", "default"];
  return [null];
}

function specOf(id: string, g: NodeGene, join: "all" | "any"): NodeInput {
  const retry = { maxAttempts: g.maxAttempts, backoff: "fixed" as const, initialDelayMs: 100 };
  const base = { id, type: g.kind, join, retry };
  switch (g.kind) {
    case "transform":
      return { ...base, config: { expression: "input" } };
    case "condition":
      return { ...base, config: { expression: "input.go" } };
    case "switch":
      return { ...base, config: { expression: "input.kind", cases: ["a", "b"] } };
    case "http":
      return { ...base, config: { url: HTTP_URL }, timeoutMs: 10_000 }; // queued, with a lease
    case "delay":
      return { ...base, config: { seconds: 1 } };
    case "teleport":
      return { id, type: "teleport", join, config: {} };
  }
}

/** The port (or `error`) a parent gene picks on a source of the given kind. */
function portOn(kind: Kind | "start", p: ParentGene): string | undefined {
  if (p.error && kind !== "start") return "error";
  return portsOf(kind)[p.port % portsOf(kind).length] ?? undefined;
}

/** Lays the base units out as a DAG: each unit's parents come before it. */
function generateBase(units: BaseUnit[]): {
  definition: WorkflowDefinition;
  genes: Map<string, NodeGene>;
} {
  const nodes: NodeInput[] = [{ id: "start", type: "start" }];
  const kinds: (Kind | "start")[] = ["start"];
  const edges: EdgeInput[] = [];
  const genes = new Map<string, NodeGene>();
  units.forEach((unit, i) => {
    const id = `n${i + 1}`;
    const seen = new Set<string>();
    const ins: EdgeInput[] = [];
    for (const p of unit.parents) {
      const k = p.pick % nodes.length;
      const from = nodes[k]!.id;
      const on = portOn(kinds[k]!, p);
      const key = `${from}>${on ?? ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ins.push(on === undefined ? { from, to: id } : { from, to: id, on });
    }
    nodes.push(specOf(id, unit.node, ins.length > 1 && unit.node.any ? "any" : "all"));
    kinds.push(unit.node.kind);
    edges.push(...ins);
    genes.set(id, unit.node);
  });
  const r = validateWorkflow({ name: "generated", nodes, edges });
  if (!r.ok) throw new Error(`generated an invalid graph: ${JSON.stringify(r.errors)}`);
  return { definition: r.definition, genes };
}

/** Outcomes from the node and its try only, so every run of a graph sees the same ones. */
function oracleOf(genes: Map<string, NodeGene>): Oracle {
  return (call): Reply => {
    const g = genes.get(call.nodeId);
    if (!g) return ok(); // start
    switch (g.fate.type) {
      case "fatal":
        return err("fatal", false);
      case "exhaust":
        return err("exhaust", true);
      case "flaky":
        if (call.tries <= Math.min(g.fate.failures, g.maxAttempts - 1)) return err("flaky", true);
        break;
      case "ok":
        break;
    }
    switch (g.kind) {
      case "delay":
        return { waitMs: g.waitMs };
      case "condition":
        return ok(g.port % 2 === 0 ? "true" : "false");
      case "switch":
        return ok(["a", "b", "default"][g.port % 3]!);
      default:
        return ok();
    }
  };
}

/** A FIFO run in memory, started; its IR can be swapped mid-run, as a patch does. */
function fifoRun(ir: IR, oracle: Oracle): MemoryRun {
  const run = new MemoryRun(ir, oracleExecutor(oracle), { maxSteps: 5_000 });
  run.start();
  return run;
}

const neverStarted = (st: NodeState | undefined) => st?.status === "pending" && st.attempt === 0;

/**
 * Builds the patch from its genes against the live run: new nodes `m1`..., each with parents
 * among nodes that have not failed (and earlier new nodes), children among nodes that have not
 * started and are not upstream of its parents; then removals of pending edges whose target
 * keeps another way in.
 */
function buildPatch(
  gene: PatchGene,
  def: WorkflowDefinition,
  ir: IR,
  state: RunState,
  genes: Map<string, NodeGene>,
): Patch {
  const kindOf = new Map<string, Kind | "start">(
    def.nodes.map((n) => [n.id, n.type as Kind | "start"]),
  );
  const edges: { from: string; to: string; on?: string }[] = def.edges.map((e) => ({ ...e }));
  const ops: PatchOp[] = [];
  const added: string[] = [];
  const upstream = (ids: string[]): Set<string> => {
    const seen = new Set(ids);
    const todo = [...ids];
    while (todo.length > 0) {
      const id = todo.pop()!;
      for (const e of edges) {
        if (e.to === id && !seen.has(e.from)) {
          seen.add(e.from);
          todo.push(e.from);
        }
      }
    }
    return seen;
  };
  const sources = def.nodes.map((n) => n.id).filter((id) => state.nodes[id]!.status !== "failed");
  const notStarted = def.nodes
    .map((n) => n.id)
    .filter((id) => id !== ir.start && neverStarted(state.nodes[id]));

  gene.nodes.forEach((g, i) => {
    const id = `m${i + 1}`;
    const pool = [...sources, ...added];
    const ins: { from: string; to: string; on?: string }[] = [];
    const seen = new Set<string>();
    for (const p of g.parents) {
      const from = pool[p.pick % pool.length]!;
      const on = portOn(kindOf.get(from)!, p);
      const key = `${from}>${on ?? ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ins.push(on === undefined ? { from, to: id } : { from, to: id, on });
    }
    const join = ins.length > 1 && g.node.any ? "any" : "all";
    ops.push({ op: "add_node", node: specOf(id, g.node, join) } as PatchOp);
    kindOf.set(id, g.node.kind);
    genes.set(id, g.node);
    edges.push(...ins);
    for (const e of ins) ops.push({ op: "add_edge", edge: e });
    const above = upstream([id]);
    const outs = new Set<string>();
    for (const c of g.children) {
      if (notStarted.length === 0) break;
      const to = notStarted[c % notStarted.length]!;
      if (above.has(to) || outs.has(to)) continue;
      outs.add(to);
      const on = portsOf(g.node.kind)[c % portsOf(g.node.kind).length] ?? undefined;
      const edge = on === undefined ? { from: id, to } : { from: id, to, on };
      edges.push(edge);
      ops.push({ op: "add_edge", edge });
    }
    added.push(id);
  });

  const removable = ir.edges.filter((e) => state.edges[e.index] === "pending");
  for (const r of gene.removals) {
    if (removable.length === 0) break;
    const e = removable[r % removable.length]!;
    const at = edges.findIndex(
      (x) => x.from === e.from && x.to === e.to && (x.on ?? null) === e.on,
    );
    if (at < 0) continue; // removed already
    if (edges.filter((x) => x.to === e.to).length < 2) continue; // its only way in
    edges.splice(at, 1);
    ops.push(
      e.on === null
        ? { op: "remove_edge", from: e.from, to: e.to }
        : { op: "remove_edge", from: e.from, to: e.to, on: e.on },
    );
  }
  return Patch.parse({ ops, reason: "property" });
}

describe("patches: properties", () => {
  it("patching a run part-way ends it as running the patched graph from the start does", () => {
    let patchedMidRun = 0;
    fc.assert(
      fc.property(caseArb, ({ units, patch: gene }) => {
        const { definition, genes } = generateBase(units);
        const before = compile(definition);
        const oracle = oracleOf(genes);

        // How long the unpatched run takes, to patch it part-way through.
        const probe = fifoRun(before, oracle);
        probe.runToEnd();
        expect(probe.finished).toBe(true);
        const at = 1 + (gene.at % (probe.steps - 1));

        const run = fifoRun(before, oracle);
        while (run.steps < at) expect(run.advance()).toBe(true);
        expect(run.finished).toBe(false);

        const patch = buildPatch(gene, definition, before, run.state, genes);
        const applied = applyPatch(definition, patch, DEFAULT_RUN_LIMITS);
        if (!applied.ok) throw new Error(`patch refused: ${JSON.stringify(applied.errors)}`);
        expect(checkLive(before, run.state, patch)).toEqual([]);
        const after = compile(applied.definition);

        // The swap, as the RunObject does it.
        const started = Object.fromEntries(
          Object.entries(run.state.nodes)
            .filter(([, st]) => !neverStarted(st))
            .map(([id, st]) => [id, structuredClone(st)]),
        );
        const { addedEdges, touched } = rebaseState(before, after, run.state);
        run.ir = after;
        run.apply({ type: "patched", addedEdges, touched, now: run.clock });
        // Nothing already started changed.
        for (const [id, st] of Object.entries(started)) expect(run.state.nodes[id]).toEqual(st);
        if (!run.finished) patchedMidRun++;

        run.runToEnd();
        expect(run.finished).toBe(true);
        expect(Math.min(...run.tokens)).toBeGreaterThanOrEqual(0);
        expect(run.state.tokens).toBe(0);
        expect(Object.values(run.state.nodes).some((n) => ACTIVE.has(n.status))).toBe(false);

        // The reference: the materialised graph, from the start, with the same outcomes.
        const materialised = materialise(definition, [patch], DEFAULT_RUN_LIMITS);
        expect(materialised.ok && compile(materialised.definition)).toEqual(after);
        const reference = simulate(after, oracle);
        expect(reference.terminated).toBe(true);
        expect(run.statuses()).toEqual(reference.statuses);
        expect(run.state.status).toBe(reference.status);
      }),
      { numRuns: 250 },
    );
    // The property says nothing if patches always landed on finished runs.
    expect(patchedMidRun).toBeGreaterThan(200);
  }, 20_000);
});
