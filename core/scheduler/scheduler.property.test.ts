import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  choicesOf,
  err,
  type Oracle,
  ok,
  type Policy,
  type SimResult,
  simulate,
} from "../../test/support/engine/simulator";
import { compile } from "../compile/compile";
import type { IR } from "../compile/ir";
import type { WorkflowDefinitionInput } from "../workflow/definition";
import { validateWorkflow } from "../workflow/validate";
import { ACTIVE, type NodeStatus, type RunState } from "./state";

/*
 * Random valid graphs, random outcomes, random delivery: every run ends, and ends as the FIFO
 * one-at-a-time reference does. The graphs are DAGs of "units": a single node, or a countdown
 * loop (target → body → condition, whose `true` port loops back and `false` port exits), whose
 * body nodes may also have edges leaving the loop.
 *
 * Left out of the comparison with FIFO: join "any" inside a loop body. The loop may then restart
 * while a slower branch is still in flight; whether that branch's result (a failure, say) counts
 * depends on timing by design, like a race between two promises. Such runs are checked for
 * everything but the outcome.
 */

type NodeInput = WorkflowDefinitionInput["nodes"][number];
type EdgeInput = NonNullable<WorkflowDefinitionInput["edges"]>[number];

const KINDS = ["transform", "condition", "switch", "join", "http", "map", "delay"] as const;
type Kind = (typeof KINDS)[number] | "teleport";
/** Kinds with one success port: what a loop's target can be. */
const SINGLE_PORT = ["transform", "join", "http", "map", "delay"] as const;

type Fate =
  | { type: "ok" }
  | { type: "flaky"; failures: number; retryAfter: boolean }
  | { type: "fatal" }
  | { type: "exhaust" };

interface NodeGene {
  kind: Kind;
  maxAttempts: number;
  backoff: "exponential" | "fixed";
  initialDelayMs: number;
  inlineHttp: boolean;
  fate: Fate;
  /** Port choices per iteration (condition, switch). */
  ports: number[];
  concurrency: number;
  itemsHttp: boolean;
  items: Fate[];
  waitMs: number;
  any: boolean;
}

interface LoopGene {
  target: NodeGene;
  middle: NodeGene[];
  check: NodeGene;
  maxIterations: number;
  /** Iterations after which the condition says `false`, in [0, maxIterations]... */
  exitAfter: number;
  /** ...or never within maxIterations: the condition fails with loop_limit_exceeded. */
  overrun: boolean;
  diamond: boolean;
  selfLoop: boolean;
}

interface ParentGene {
  pick: number;
  /** Which of the unit's exits (a loop has several when body exits are allowed). */
  exit: number;
  port: number;
  error: boolean;
}

interface UnitGene {
  node: NodeGene;
  loop: LoopGene | null;
  parents: ParentGene[];
}

const fateArb: fc.Arbitrary<Fate> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ type: "ok" as const }) },
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant("flaky" as const),
      failures: fc.integer({ min: 1, max: 2 }),
      retryAfter: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ type: "fatal" as const }) },
  { weight: 1, arbitrary: fc.constant({ type: "exhaust" as const }) },
);

const nodeGeneArb = (kinds: readonly Kind[]): fc.Arbitrary<NodeGene> =>
  fc.record({
    kind: fc.constantFrom(...kinds),
    maxAttempts: fc.integer({ min: 1, max: 3 }),
    backoff: fc.constantFrom("exponential" as const, "fixed" as const),
    initialDelayMs: fc.constantFrom(0, 100, 1000),
    inlineHttp: fc.boolean(),
    fate: fateArb,
    ports: fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 3 }),
    concurrency: fc.integer({ min: 1, max: 3 }),
    itemsHttp: fc.boolean(),
    items: fc.array(fateArb, { maxLength: 5 }),
    waitMs: fc.integer({ min: 0, max: 5000 }),
    any: fc.boolean(),
  });

const loopGeneArb: fc.Arbitrary<LoopGene> = fc.record({
  target: nodeGeneArb(SINGLE_PORT),
  middle: fc.array(nodeGeneArb(KINDS), { maxLength: 2 }),
  check: nodeGeneArb(["condition"]),
  maxIterations: fc.integer({ min: 1, max: 4 }),
  exitAfter: fc.nat({ max: 4 }),
  overrun: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
  diamond: fc.boolean(),
  selfLoop: fc.boolean(),
});

const unitArb: fc.Arbitrary<UnitGene> = fc.record({
  node: nodeGeneArb([...KINDS, ...KINDS, "teleport"]),
  loop: fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: loopGeneArb },
  ),
  parents: fc.array(
    fc.record({
      pick: fc.nat(),
      exit: fc.nat(),
      port: fc.nat(),
      error: fc.integer({ min: 0, max: 6 }).map((x) => x === 0),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

const MAX_NODES = 25;
const HTTP_URL = "https://api.example.com/x";

function portsOf(kind: Kind): (string | null)[] {
  if (kind === "condition") return ["true", "false"];
  if (kind === "switch") return ["a", "b", "default"];
  return [null];
}

function specOf(id: string, g: NodeGene, join: "all" | "any"): NodeInput {
  const retry = {
    maxAttempts: g.maxAttempts,
    backoff: g.backoff,
    initialDelayMs: g.initialDelayMs,
  };
  const base = { id, type: g.kind, join };
  switch (g.kind) {
    case "transform":
      return { ...base, retry, config: { expression: "input" } };
    case "condition":
      return { ...base, retry, config: { expression: "input.go" } };
    case "switch":
      return { ...base, retry, config: { expression: "input.kind", cases: ["a", "b"] } };
    case "join":
      return { ...base, retry, config: {} };
    case "http":
      return { ...base, retry, config: { url: HTTP_URL }, timeoutMs: g.inlineHttp ? 2000 : 10_000 };
    case "delay":
      return { ...base, retry, config: { seconds: 1 } };
    case "map": {
      const node = g.itemsHttp
        ? {
            type: "http",
            config: { url: HTTP_URL },
            retry,
            timeoutMs: g.inlineHttp ? 2000 : 10_000,
          }
        : { type: "transform", config: { expression: "item" }, retry };
      return { ...base, retry, config: { items: "input.list", concurrency: g.concurrency, node } };
    }
    case "teleport":
      return { ...base, config: {} };
  }
}

interface Plan {
  gene: NodeGene;
  /** Loop conditions: iterations that say `true`. */
  exitAfter?: number;
}

interface Generated {
  definition: WorkflowDefinitionInput;
  plans: Map<string, Plan>;
}

interface Shape {
  /** Any body node, and the condition on `true`, may have edges leaving the loop. */
  bodyExits: boolean;
  /** Body nodes may join "any" (see the note at the top). */
  anyInBody?: boolean;
}

/** Lays the units out as a DAG. */
function generate(units: UnitGene[], { bodyExits, anyInBody = false }: Shape): Generated {
  const nodes: NodeInput[] = [{ id: "start", type: "start" }];
  const edges: EdgeInput[] = [];
  const plans = new Map<string, Plan>();
  const seen = new Set<string>();
  const addEdge = (from: string, to: string, on: string | null, loop?: number) => {
    const key = `${from}|${to}|${on ?? ""}`;
    if (seen.has(key)) return;
    seen.add(key);
    const edge: EdgeInput = { from, to };
    if (on !== null) edge.on = on;
    if (loop !== undefined) edge.loop = { maxIterations: loop };
    edges.push(edge);
  };
  type Exit = { node: string; ports: (string | null)[] };
  /** Per unit: where edges come in, and the nodes and ports they may leave from. */
  const placed: { entry: string; exits: Exit[] }[] = [
    { entry: "start", exits: [{ node: "start", ports: [null] }] },
  ];
  let next = 1;
  const add = (g: NodeGene, join: "all" | "any", exitAfter?: number): string => {
    const id = `n${next++}`;
    nodes.push(specOf(id, g, join));
    plans.set(id, exitAfter === undefined ? { gene: g } : { gene: g, exitAfter });
    return id;
  };

  for (const unit of units) {
    const loop = unit.loop;
    const size = loop ? (loop.selfLoop ? 1 : 2 + loop.middle.length) : 1;
    if (nodes.length + size > MAX_NODES) break;
    const incoming = [...new Set(unit.parents.map((p) => p.pick % placed.length))];
    const join = incoming.length > 1 && unit.node.any ? "any" : "all";
    let entry: string;
    let exits: Exit[];
    if (!loop) {
      entry = add(unit.node, join);
      exits = [{ node: entry, ports: portsOf(unit.node.kind) }];
    } else {
      const inner = (g: NodeGene) => (anyInBody && g.any ? "any" : "all");
      const chain = loop.selfLoop ? [] : [add(loop.target, join)];
      const middle = loop.selfLoop ? [] : loop.middle.map((g) => ({ g, id: add(g, inner(g)) }));
      chain.push(...middle.map((m) => m.id));
      const exitAfter = loop.overrun
        ? loop.maxIterations + 1
        : loop.exitAfter % (loop.maxIterations + 1);
      const check = add(loop.check, loop.selfLoop ? join : inner(loop.check), exitAfter);
      chain.push(check);
      // Each body node leads on to the next; a branching one may jump straight to the check.
      const body = [
        ...(loop.selfLoop ? [] : [{ id: chain[0]!, ports: [null], gene: loop.target }]),
        ...middle.map((m) => ({ id: m.id, ports: portsOf(m.g.kind), gene: m.g })),
      ];
      body.forEach((b, k) => {
        b.ports.forEach((port, q) => {
          const jump = q > 0 && (b.gene.ports[q % b.gene.ports.length] ?? 0) % 2 === 1;
          addEdge(b.id, jump ? check : chain[k + 1]!, port);
        });
      });
      if (loop.diamond && chain.length > 2) addEdge(chain[0]!, check, null);
      addEdge(check, chain[0]!, "true", loop.maxIterations);
      entry = chain[0]!;
      exits = bodyExits
        ? [
            { node: check, ports: ["false", "true"] },
            ...body.map((b) => ({ node: b.id, ports: b.ports })),
          ]
        : [{ node: check, ports: ["false"] }];
    }
    for (const p of unit.parents) {
      const from = placed[p.pick % placed.length]!;
      const exit = from.exits[p.exit % from.exits.length]!;
      const on =
        p.error && exit.node !== "start" ? "error" : exit.ports[p.port % exit.ports.length]!;
      addEdge(exit.node, entry, on);
    }
    placed.push({ entry, exits });
  }
  return { definition: { name: "generated", nodes, edges }, plans };
}

function outcomeOf(fate: Fate, tries: number, maxAttempts: number) {
  switch (fate.type) {
    case "ok":
      return undefined;
    case "flaky":
      return tries <= Math.min(fate.failures, maxAttempts - 1)
        ? err("flaky", true, fate.retryAfter ? 250 : undefined)
        : undefined;
    case "fatal":
      return err("fatal", false);
    case "exhaust":
      return err("exhaust", true);
  }
}

/** Outcomes from (node, iteration, tries, item, item tries) only. */
function oracleOf(plans: Map<string, Plan>): Oracle {
  return (call) => {
    const plan = plans.get(call.nodeId);
    if (!plan) return ok(); // start
    const g = plan.gene;
    if (call.index !== undefined) {
      const fate = g.items[call.index] ?? { type: "ok" };
      return outcomeOf(fate, call.itemTries ?? 1, g.maxAttempts) ?? ok();
    }
    const failure = outcomeOf(g.fate, call.tries, g.maxAttempts);
    if (failure) return failure;
    const choice = g.ports[call.iteration % g.ports.length] ?? 0;
    switch (g.kind) {
      case "map":
        return { items: g.items.length };
      case "delay":
        return { waitMs: g.waitMs };
      case "condition":
        if (plan.exitAfter !== undefined)
          return ok(call.iteration < plan.exitAfter ? "true" : "false");
        return ok(choice % 2 === 0 ? "true" : "false");
      case "switch":
        return ok(["a", "b", "default"][choice % 3]!);
      default:
        return ok();
    }
  };
}

const policyArb = fc.record({
  choices: fc.array(fc.nat({ max: 10_000 }), { minLength: 20, maxLength: 400, size: "max" }),
  duplicates: fc.boolean(),
  losses: fc.boolean(),
  earlyLeases: fc.boolean(),
  restarts: fc.boolean(),
});

const caseArb = fc.record({
  units: fc.array(unitArb, { minLength: 1, maxLength: 24, size: "max" }),
  bodyExits: fc.boolean(),
  policy: policyArb,
});

function compiled(g: Generated): IR {
  const result = validateWorkflow(g.definition);
  if (!result.ok) {
    throw new Error(`generated an invalid graph: ${JSON.stringify(result.errors)}`);
  }
  return compile(result.definition);
}

const MAX_STEPS = 20_000;

function checkRun(r: SimResult): void {
  expect(r.terminated).toBe(true);
  expect(r.steps).toBeLessThan(MAX_STEPS);
  // Tokens: never negative, always the number of nodes holding one, 0 at the end.
  expect(r.tokens.every((t) => t >= 0)).toBe(true);
  expect(r.tokens).toEqual(r.active);
  expect(r.state.tokens).toBe(0);
  expect(Object.values(r.statuses).some((s) => ACTIVE.has(s))).toBe(false);
  // Each attempt (and each try of an item) decides the node at most once.
  expect(new Set(r.accepted).size).toBe(r.accepted.length);
  // Nothing left behind: no alarm armed, and deliveries after the end change nothing.
  expect(r.timersLeft).toEqual([]);
  expect(r.lateCommands).toEqual([]);
}

/**
 * Checks each step against the join rule and map concurrency: a node leaves `pending` only when
 * its forward in-edges allow it (inside a loop body, only once their sources have settled in
 * this iteration), a map never holds more items than its concurrency, and a run with tokens is
 * `waiting` exactly when every one of them is parked (not queued, running or in a retry).
 */
function stepChecker(ir: IR, window = Number.POSITIVE_INFINITY) {
  const bodies = Object.values(ir.loopBodies).map((ids) => new Set(ids));
  const sameBody = (a: string, b: string) => bodies.some((body) => body.has(a) && body.has(b));
  const before: Record<string, NodeStatus> = {};
  for (const n of ir.nodes) before[n.id] = "pending";
  const problems: string[] = [];
  const check = ({ state }: { state: RunState }) => {
    // running vs waiting, as a full scan decides it (the scheduler keeps it incrementally).
    if (state.tokens > 0) {
      const parked = Object.values(state.nodes).every(
        (n) => !ACTIVE.has(n.status) || (n.status === "waiting" && n.waitReason !== "retry"),
      );
      if (state.status !== (parked ? "waiting" : "running")) {
        problems.push(
          `run is ${state.status} with ${parked ? "every token parked" : "work in flight"}`,
        );
      }
    }
    // The queue window: at most `window` queued jobs out, and none held while there is room.
    const queued = ir.nodes.filter((n) => n.mode === "queued").map((n) => state.nodes[n.id]!);
    const out = queued.filter(
      (st) => !st.held && (st.status === "queued" || st.status === "running"),
    );
    const held = queued.filter((st) => st.held && st.status === "queued");
    if (out.length > window) problems.push(`${out.length} queued jobs out, window ${window}`);
    if (held.length > 0 && out.length < window) {
      problems.push(`${held.length} held with ${out.length} of ${window} out`);
    }
    for (const node of ir.nodes) {
      const st = state.nodes[node.id]!;
      const was = before[node.id];
      before[node.id] = st.status;
      if (st.map) {
        const held = st.map.items.filter((i) => i === "running" || i === "waiting").length;
        const concurrency = (node.config as { concurrency?: number }).concurrency ?? 4;
        if (held > concurrency) problems.push(`${node.id} holds ${held} items`);
      }
      if (was !== "pending" || st.status === "pending" || node.id === ir.start) continue;
      if (st.status === "cancelled") continue;
      const edges = node.in.filter((i) => ir.edges[i]!.loop === null);
      const fired = edges.filter((i) => state.edges[i] === "fired").length;
      const open = edges.filter((i) => state.edges[i] === "pending").length;
      const unsettled = edges
        .map((i) => ir.edges[i]!.from)
        .filter((from) => sameBody(from, node.id))
        .filter((from) => {
          const s = state.nodes[from]!.status;
          return s === "pending" || ACTIVE.has(s);
        });
      const dead = fired === 0 && open === 0;
      const runs =
        node.join === "any" ? fired > 0 : fired > 0 && open === 0 && unsettled.length === 0;
      // An unknown type is skipped either way: because it ran, or because no branch reached it.
      const allowed = node.mode === "skip" ? dead || runs : st.status === "skipped" ? dead : runs;
      if (!allowed) {
        problems.push(`${node.id} → ${st.status} with ${fired} fired, ${open} open, ${unsettled}`);
      }
    }
  };
  return { check, problems };
}

type PolicyGene = typeof policyArb extends fc.Arbitrary<infer T> ? T : never;

function randomPolicy(p: PolicyGene): Policy {
  return {
    type: "random",
    choose: choicesOf(p.choices),
    duplicates: p.duplicates,
    losses: p.losses,
    earlyLeases: p.earlyLeases,
    restarts: p.restarts,
  };
}

describe("scheduler: properties", () => {
  it("generates valid graphs of 2 to 25 nodes", () => {
    fc.assert(
      fc.property(caseArb, ({ units, bodyExits }) => {
        const ir = compiled(generate(units, { bodyExits }));
        expect(ir.nodes.length).toBeGreaterThanOrEqual(2);
        expect(ir.nodes.length).toBeLessThanOrEqual(MAX_NODES);
      }),
      { numRuns: 100 },
    );
  });

  it("ends every run as FIFO one-at-a-time delivery does, whatever the delivery and the queue window", () => {
    fc.assert(
      fc.property(
        caseArb,
        fc.integer({ min: 1, max: 3 }),
        ({ units, bodyExits, policy }, window) => {
          const g = generate(units, { bodyExits });
          const ir = compiled(g);
          const oracle = oracleOf(g.plans);
          const reference = simulate(ir, oracle, { maxSteps: MAX_STEPS });
          checkRun(reference);
          const steps = stepChecker(ir, window);
          const r = simulate(ir, oracle, {
            policy: randomPolicy(policy),
            maxSteps: MAX_STEPS,
            onStep: steps.check,
            queueWindow: window,
          });
          checkRun(r);
          expect(steps.problems).toEqual([]);
          expect(r.statuses).toEqual(reference.statuses);
          expect(r.status).toBe(reference.status);
          expect(["completed", "failed"]).toContain(r.status);
        },
      ),
      { numRuns: 300 },
    );
  }, 30_000);

  it('keeps its books with join "any" inside loops, where the outcome may race', () => {
    // A loop may restart while a branch of its body is still in flight: the branch is dropped.
    fc.assert(
      fc.property(caseArb, ({ units, bodyExits, policy }) => {
        const g = generate(units, { bodyExits, anyInBody: true });
        const ir = compiled(g);
        const r = simulate(ir, oracleOf(g.plans), {
          policy: randomPolicy(policy),
          maxSteps: MAX_STEPS,
        });
        checkRun(r);
        expect(["completed", "failed"]).toContain(r.status);
      }),
      { numRuns: 150 },
    );
  });

  it("leaves nothing running when a run is cancelled at any point", () => {
    fc.assert(
      fc.property(caseArb, fc.nat({ max: 80 }), ({ units, bodyExits, policy }, cancelAfter) => {
        const g = generate(units, { bodyExits });
        const ir = compiled(g);
        const r = simulate(ir, oracleOf(g.plans), {
          policy: randomPolicy(policy),
          maxSteps: MAX_STEPS,
          cancelAfter,
        });
        checkRun(r);
        if (r.status === "cancelled") {
          expect(r.finish).toEqual({ type: "finish", status: "cancelled" });
          expect(r.events.at(-1)?.type).toBe("run_cancelled");
        }
      }),
      { numRuns: 100 },
    );
  });
});
