import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  choicesOf,
  type DeliveredSignal,
  type Execution,
  type Executor,
  err,
  MemoryRun,
  type Oracle,
  ok,
  oracleExecutor,
  type Policy,
  type SimResult,
} from "../../test/support/engine/simulator";
import { compile } from "../compile/compile";
import type { IR } from "../compile/ir";
import type { WorkflowDefinitionInput } from "../workflow/definition";
import { validateWorkflow } from "../workflow/validate";
import { ACTIVE } from "./state";

/*
 * Trees of sub-workflows (docs/COMPOSITION.md) under random delivery: each run is the pure
 * scheduler in memory (test/support/engine/simulator.ts); a subworkflow step starts a child run
 * of the workflow it names, and the child's end comes back to its node (or its map item) as the
 * RunObject's notice does: late, in any order with everything else, sometimes twice. A parent
 * that ends cancels the children still going. The tree must end as the sequential run does, in
 * which each child runs to its end, FIFO, the moment it starts.
 */

type NodeInput = WorkflowDefinitionInput["nodes"][number];
type EdgeInput = NonNullable<WorkflowDefinitionInput["edges"]>[number];

type Fate = "ok" | "flaky" | "fatal";

interface NodeGene {
  kind: "transform" | "http" | "call" | "map-call";
  /** Which later workflow a call names (modulo those after this one). */
  callee: number;
  fate: Fate;
  parent: number;
  /** An error edge to a handler: a failure (a child's included) is taken, not fatal. */
  handled: boolean;
  items: number;
  concurrency: number;
}

const nodeArb: fc.Arbitrary<NodeGene> = fc.record({
  kind: fc.constantFrom("transform", "http", "call", "call", "map-call"),
  callee: fc.nat({ max: 10 }),
  fate: fc.constantFrom<Fate>("ok", "ok", "ok", "flaky", "fatal"),
  parent: fc.nat({ max: 10 }),
  handled: fc.boolean(),
  items: fc.integer({ min: 0, max: 3 }),
  concurrency: fc.integer({ min: 1, max: 3 }),
});

/** Up to 4 workflows; workflow i calls only workflows after it, so the calls form a DAG. */
const treeArb = fc.array(fc.array(nodeArb, { minLength: 1, maxLength: 5 }), {
  minLength: 2,
  maxLength: 4,
});

interface Workflow {
  ir: IR;
  oracle: Oracle;
}

function build(genes: NodeGene[][]): Workflow[] {
  return genes.map((nodes, w) => {
    const later = genes.length - w - 1;
    const defs: NodeInput[] = [{ id: "start", type: "start" }];
    const edges: EdgeInput[] = [];
    const fates = new Map<string, NodeGene>();
    nodes.forEach((g, i) => {
      const id = `n${i}`;
      const from = i === 0 ? "start" : g.parent % (i + 1) === 0 ? "start" : `n${g.parent % i}`;
      const kind = later === 0 && (g.kind === "call" || g.kind === "map-call") ? "http" : g.kind;
      const callee = `w${w + 1 + (g.callee % Math.max(later, 1))}`;
      if (kind === "call") {
        defs.push({ id, type: "subworkflow", config: { workflow: callee } });
      } else if (kind === "map-call") {
        defs.push({
          id,
          type: "map",
          config: {
            items: "[]",
            concurrency: g.concurrency,
            node: { type: "subworkflow", config: { workflow: callee } },
          },
        });
      } else if (kind === "http") {
        defs.push({
          id,
          type: "http",
          config: { url: `https://example.test/${id}`, method: "GET" },
          retry: { maxAttempts: 2, backoff: "fixed", initialDelayMs: 100 },
        });
      } else {
        defs.push({ id, type: "transform", config: { expression: "1" } });
      }
      fates.set(id, { ...g, kind });
      edges.push({ from, to: id });
      if (g.handled) {
        defs.push({ id: `h${i}`, type: "transform", config: { expression: "0" } });
        edges.push({ from: id, to: `h${i}`, on: "error" });
      }
    });
    const checked = validateWorkflow({ name: `w${w}`, nodes: defs, edges });
    if (!checked.ok) throw new Error(`generated an invalid graph: ${JSON.stringify(checked)}`);
    const oracle: Oracle = (call) => {
      const g = fates.get(call.nodeId);
      if (!g) return ok();
      if (g.kind === "map-call" && call.index === undefined) return { items: g.items };
      if (g.fate === "fatal") return err("boom", false);
      if (g.fate === "flaky" && call.tries < 2) return err("flaky", true);
      return ok();
    };
    return { ir: compile(checked.definition), oracle };
  });
}

interface Entry {
  key: string;
  workflow: number;
  run: MemoryRun;
  /** The node (or map item) whose child this is; none for the root. */
  parent?: { entry: Entry; execution: Execution };
  children: Entry[];
  reported: boolean;
}

interface TreeEnd {
  root: SimResult;
  /** Every run's end, by its place in the tree. */
  ends: Map<string, SimResult>;
}

const SUBWORKFLOW = "subworkflow";
const MAX_ACTIONS = 50_000;

/**
 * Runs the tree: `random` interleaves the runs and their deliveries from the choices; without
 * it, each child runs to its end when it starts (the sequential reference).
 */
function runTree(
  workflows: Workflow[],
  random?: { choices: number[]; duplicates: boolean; notices: boolean },
): TreeEnd {
  const entries: Entry[] = [];
  const choose = random ? choicesOf(random.choices) : () => undefined;
  const policy: Policy = random
    ? { type: "random", choose: choicesOf(random.choices), duplicates: random.duplicates }
    : { type: "fifo" };

  const open = (workflow: number, key: string, parent?: Entry["parent"]): Entry => {
    const { ir, oracle } = workflows[workflow]!;
    const answer = oracleExecutor(oracle);
    const executor: Executor = (run, execution, lease) => {
      const node = run.ir.nodes[run.ir.byId[execution.nodeId]!]!;
      const step = execution.type === "execute" ? node : node.body!;
      if (step.type !== SUBWORKFLOW) return answer(run, execution, lease);
      if (execution.type === "execute") {
        const { nodeId, attempt } = execution;
        const wait: DeliveredSignal = {
          type: "wait",
          nodeId,
          attempt,
          until: null,
          reason: "child",
          now: 0,
        };
        run.pool.push({ signal: wait });
      }
      const callee = Number((step.config as { workflow: string }).workflow.slice(1));
      const item =
        execution.type === "execute_item" ? `[${execution.index}#${execution.itemAttempt}]` : "";
      const child = open(callee, `${self.key}/${execution.nodeId}#${execution.attempt}${item}`, {
        entry: self,
        execution,
      });
      self.children.push(child);
      if (!random) {
        while (!child.run.finished && child.run.advance()) {}
        report(child);
      }
    };
    const run = new MemoryRun(ir, executor, { policy, maxSteps: MAX_ACTIONS });
    const self: Entry = { key, workflow, run, children: [], reported: false };
    if (parent) self.parent = parent;
    entries.push(self);
    run.start();
    return self;
  };

  /** A child's end, to its parent's node or item, as a notice (once the child has ended). */
  const report = (child: Entry) => {
    if (!child.run.finished || child.reported || !child.parent) return;
    child.reported = true;
    const { entry, execution } = child.parent;
    if (entry.run.finished) return;
    const outcome = child.run.state.status === "completed" ? ok() : err("child_failed", false);
    const signal: DeliveredSignal =
      execution.type === "execute"
        ? { type: "result", nodeId: execution.nodeId, attempt: execution.attempt, outcome, now: 0 }
        : {
            type: "item_result",
            nodeId: execution.nodeId,
            attempt: execution.attempt,
            index: execution.index,
            itemAttempt: execution.itemAttempt,
            outcome,
            now: 0,
          };
    entry.run.pool.push({ signal });
    // The outbox sends a notice again until the parent takes it: sometimes twice.
    if (random?.notices) entry.run.pool.push({ signal });
  };

  /** A run that ended cancels its children still going, and theirs (cancel goes down). */
  const cascade = (entry: Entry) => {
    for (const child of entry.children) {
      if (!child.run.finished) child.run.apply({ type: "cancel", now: 0, reason: "parent ended" });
      cascade(child);
    }
  };

  const root = open(0, "w0");
  if (random) {
    for (let actions = 0; actions < MAX_ACTIONS; actions++) {
      for (const e of entries) {
        if (e.run.finished) {
          report(e);
          cascade(e);
        }
      }
      const going = entries.filter((e) => !e.run.finished);
      if (going.length === 0) break;
      const at = choose(going.length) ?? 0;
      const order = [...going.slice(at), ...going.slice(0, at)];
      if (!order.some((e) => e.run.advance())) break;
    }
  } else {
    while (!root.run.finished && root.run.advance()) {}
  }
  for (const e of entries) if (e.run.finished) cascade(e);
  const ends = new Map(entries.map((e) => [e.key, e.run.runToEnd()]));
  return { root: ends.get("w0")!, ends };
}

function checkEnds(tree: TreeEnd): void {
  for (const [key, r] of tree.ends) {
    expect(r.terminated, `${key} ended`).toBe(true);
    expect(r.state.tokens, `${key} tokens`).toBe(0);
    expect(
      Object.values(r.statuses).some((s) => ACTIVE.has(s)),
      `${key} active`,
    ).toBe(false);
    // Each attempt (and item try) is decided once, however often its child's end arrives.
    expect(new Set(r.accepted).size, `${key} accepted`).toBe(r.accepted.length);
    expect(r.lateCommands, `${key} late`).toEqual([]);
  }
}

describe("scheduler: trees of sub-workflows", () => {
  it("ends as the sequential run does, whatever the order of children's ends and deliveries", () => {
    fc.assert(
      fc.property(
        treeArb,
        fc.array(fc.nat({ max: 10_000 }), { minLength: 10, maxLength: 300 }),
        fc.boolean(),
        fc.boolean(),
        (genes, choices, duplicates, notices) => {
          const workflows = build(genes);
          const reference = runTree(workflows);
          checkEnds(reference);
          const tree = runTree(workflows, { choices, duplicates, notices });
          checkEnds(tree);
          expect(tree.root.status).toBe(reference.root.status);
          expect(tree.root.statuses).toEqual(reference.root.statuses);
          // A child both trees started (the same attempt and item) ends alike, unless its
          // parent ended first here and cancelled it (its end was no longer needed).
          for (const [key, r] of tree.ends) {
            const same = reference.ends.get(key);
            if (same && r.status !== "cancelled") expect(r.status, key).toBe(same.status);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
