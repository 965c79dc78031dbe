/**
 * Random workflows for the engine simulation, drawn from the case's generator: a DAG from
 * `start` over transforms, conditions, joins (all and any), queued and inline http nodes, maps
 * over http or transform steps, delays, approvals, waits for events and end nodes, with error edges. What an http
 * call answers is its node's fate, written into its URL (`https://sim.test/<id>?fate=...`), so
 * the simulated runner answers from the job alone, the same way however often it is delivered.
 */

import type { WorkflowDefinitionInput } from "../../../core/workflow/definition";
import { validateWorkflow } from "../../../core/workflow/validate";
import type { Rng } from "./random";

type NodeInput = WorkflowDefinitionInput["nodes"][number];
type EdgeInput = NonNullable<WorkflowDefinitionInput["edges"]>[number];

/** ok; flakyN: the first N attempts fail (retryable); fatal: fails for good; exhaust: always fails. */
export type Fate = "ok" | "flaky1" | "flaky2" | "fatal" | "exhaust";

export interface Workload {
  definition: WorkflowDefinitionInput;
  input: { a: number; list: number[] };
  /** Per approval node: how the simulated person decides. */
  decisions: Record<string, "approve" | "reject">;
  /** Per wait node: the event the simulated sender sends it (to its run, by id). */
  events: Record<string, { name: string; key: string | null; data: unknown }>;
  /** Join "any" nodes: their output and what follows may differ with delivery order. */
  racy: boolean;
  /** What the generator knew when it drew this workload (see GENERATIONS). */
  generation: Generation;
  /** The workflows its subworkflow nodes start, by id (written to D1 before the run). */
  children: Record<string, WorkflowDefinitionInput>;
}

/**
 * The generator grows as the engine learns new kinds; a seed's workload depends on what it
 * drew from. Seeds kept as regression tests name their generation so they keep their meaning.
 *   1: transforms, conditions, joins, http (queued and inline), maps, delays, approvals, ends.
 *   2: and agents with token budgets (holds), and patches by a person during the run.
 *   3: the same workloads, the faulted run with a queue window of 2 jobs (AOB_QUEUE_WINDOW).
 *   4: and loops: a condition looping back to its parent on `true`.
 *   5: and waits for events, sent to the run before or while it waits.
 *   6: and sub-workflows: subworkflow nodes and maps over a subworkflow step, whose child runs
 *      are objects of their own (a few deterministic nodes: transforms, queued http, delays).
 */
export type Generation = 1 | 2 | 3 | 4 | 5 | 6;
export const LATEST_GENERATION: Generation = 6;

const KINDS_1 = [
  "transform",
  "transform",
  "condition",
  "join",
  "http",
  "http",
  "inline-http",
  "map",
  "delay",
  "approval",
  "end",
] as const;
const KINDS_2 = [...KINDS_1.slice(0, -1), "agent", "end"] as const;
const KINDS_5 = [...KINDS_2.slice(0, -1), "wait", "end"] as const;
const KINDS_6 = [...KINDS_5.slice(0, -1), "subworkflow", "end"] as const;

function fate(rng: Rng, items = false): Fate {
  const fates: Fate[] = items
    ? ["ok", "ok", "ok", "flaky1", "fatal"]
    : ["ok", "ok", "ok", "flaky1", "flaky2", "fatal", "exhaust"];
  return rng.pick(fates);
}

const retry = (rng: Rng) => ({
  maxAttempts: 1 + rng.int(3),
  backoff: rng.pick(["fixed", "exponential"] as const),
  initialDelayMs: rng.pick([0, 200, 1_000]),
  maxDelayMs: 5_000,
});

/** A workflow of 2 to `maxNodes` nodes, its input, and the decisions people will take. */
export function randomWorkload(
  rng: Rng,
  maxNodes = 12,
  generation: Generation = LATEST_GENERATION,
): Workload {
  const KINDS =
    generation === 1 ? KINDS_1 : generation < 5 ? KINDS_2 : generation < 6 ? KINDS_5 : KINDS_6;
  const count = 1 + rng.int(maxNodes - 1);
  const ids = ["start"];
  const kinds: string[] = ["start"];
  const nodes: NodeInput[] = [{ id: "start", type: "start" }];
  const edges: EdgeInput[] = [];
  const decisions: Record<string, "approve" | "reject"> = {};
  const events: Workload["events"] = {};
  const children: Workload["children"] = {};
  /** A new child workflow for a subworkflow node (generation 6), registered by id. */
  const childOf = () => {
    const workflowId = `wf-sim-g${generation}-s${rng.seed}-${Object.keys(children).length + 1}`;
    children[workflowId] = childWorkflow(rng, workflowId);
    return workflowId;
  };
  // A child's start may fail for a transient reason (D1, a call lost): the node tries again.
  const childRetry = () => ({
    maxAttempts: 3,
    backoff: "fixed" as const,
    initialDelayMs: rng.pick([0, 1_000]),
    maxDelayMs: 5_000,
  });
  const seen = new Set<string>();
  let racy = false;
  const loops: EdgeInput[] = [];
  const addEdge = (from: number, to: number, on?: string) => {
    const key = `${from}>${to}>${on}`;
    if (seen.has(key)) return;
    seen.add(key);
    const edge: EdgeInput = { from: ids[from]!, to: ids[to]! };
    if (on) edge.on = on;
    edges.push(edge);
  };
  const portOf = (from: number): string | undefined => {
    const kind = kinds[from];
    if (kind === "condition") return rng.pick(["true", "false"]);
    if (kind === "approval") return rng.pick(["approved", "rejected"]);
    if (kind === "wait") return "received";
    if (kind !== "start" && kind !== "join" && kind !== "end" && rng.chance(0.15)) return "error";
    return undefined;
  };
  for (let me = 1; me <= count; me++) {
    const id = `n${me}`;
    const kind = rng.pick(KINDS);
    ids.push(id);
    kinds.push(kind);
    const parents = new Set([rng.int(me)]);
    if (rng.chance(0.35) && me > 1) parents.add(rng.int(me));
    // A parent that is an end node has no out-edges: take start instead.
    for (const p of parents) addEdge(kinds[p] === "end" ? 0 : p, me, portOf(p));
    // A node reads only a parent's output: settled whenever it runs (nothing here joins on
    // "any" and reads), so what it reads does not depend on delivery order.
    const parent = [...parents][0]!;
    const reads = parent > 0 && kinds[parent] !== "end" ? ids[parent]! : null;
    switch (kind) {
      case "transform": {
        const expressions = [
          `input.a + ${rng.int(10)}`,
          reads ? `$string(nodes.${reads}.output) & '-${me}'` : `'t${me}'`,
          `{ 'n': ${me}, 'a': input.a }`,
          `1 + 'x'`,
        ];
        nodes.push({ id, type: "transform", config: { expression: rng.pick(expressions) } });
        break;
      }
      case "condition":
        nodes.push({
          id,
          type: "condition",
          config: { expression: rng.pick([`input.a > ${rng.int(6)}`, "true", "false"]) },
        });
        // From generation 4, some conditions loop back to their parent on `true`: the body
        // (parent → condition) runs again up to maxIterations, then the loop fails the
        // condition with loop_limit_exceeded (its expression does not change between turns).
        if (generation >= 4 && parent > 0 && kinds[parent] !== "end" && rng.chance(0.5)) {
          loops.push({
            from: id,
            to: ids[parent]!,
            on: "true",
            loop: { maxIterations: 1 + rng.int(2) },
          });
        }
        break;
      case "join": {
        const any = rng.chance(0.3) && parents.size > 1;
        if (any) racy = true;
        nodes.push({ id, type: "join", join: any ? "any" : "all" });
        break;
      }
      case "http":
      case "inline-http": {
        const inline = kind === "inline-http";
        // An inline fetch's outcome is one per node (it has no attempt to read): ok or fatal.
        const f = inline ? rng.pick<Fate>(["ok", "ok", "fatal"]) : fate(rng);
        nodes.push({
          id,
          type: "http",
          config: {
            method: rng.pick(["GET", "POST"]),
            url: `https://sim.test/${id}?fate=${f}`,
            mode: inline ? "inline" : "queued",
          },
          timeoutMs: 5_000,
          retry: retry(rng),
        });
        break;
      }
      case "map": {
        const http = rng.chance(0.6);
        const f = fate(rng, true);
        nodes.push({
          id,
          type: "map",
          config: {
            items: "input.list",
            concurrency: 1 + rng.int(3),
            node: http
              ? {
                  type: "http",
                  config: {
                    url: `https://sim.test/${id}/{{ index }}?fate=${f}`,
                    mode: "queued",
                  },
                  timeoutMs: 5_000,
                  retry: retry(rng),
                }
              : { type: "transform", config: { expression: "item * 2" } },
          },
        });
        break;
      }
      case "delay":
        nodes.push({ id, type: "delay", config: { seconds: 1 + rng.int(30) } });
        break;
      case "approval":
        decisions[id] = rng.chance(0.7) ? "approve" : "reject";
        nodes.push({ id, type: "approval", config: { message: `decide ${id}` } });
        break;
      case "wait": {
        // Half match a key from the input; the sender always sends the right one. No timeout:
        // whether an event or the timeout comes first would depend on the schedule.
        const keyed = rng.chance(0.5);
        events[id] = { name: `ev.${id}`, key: keyed ? "k" : null, data: { from: id } };
        nodes.push({
          id,
          type: "wait",
          config: { event: `ev.${id}`, ...(keyed ? { match: "{{ 'k' }}" } : {}) },
        });
        break;
      }
      case "subworkflow":
        // A child for the node, or (40%) a map over a subworkflow step: a child per item. Few
        // enough that CI's 40 seeds stay about as fast as before children (each is a whole run).
        if (!rng.chance(0.4)) {
          nodes.push({
            id,
            type: "subworkflow",
            config: { workflow: childOf(), input: { x: "{{ input.a }}" } },
            retry: childRetry(),
          });
          break;
        }
        nodes.push({
          id,
          type: "map",
          config: {
            items: "input.list",
            concurrency: 1 + rng.int(3),
            node: {
              type: "subworkflow",
              config: { workflow: childOf(), input: { x: "{{ item }}" } },
              retry: childRetry(),
            },
          },
        });
        break;
      case "agent":
        // The simulated model answers from the fate in the prompt, with 100 tokens of usage.
        nodes.push({
          id,
          type: "agent",
          config: {
            prompt: `fate=${rng.pick<Fate>(["ok", "ok", "flaky1", "fatal"])} {{ input.a }}`,
          },
          timeoutMs: 30_000,
          retry: retry(rng),
        });
        break;
      case "end":
        nodes.push({
          id,
          type: "end",
          config: {
            output: { a: "{{ input.a }}", ...(reads ? { r: `{{ nodes.${reads}.output }}` } : {}) },
          },
        });
        break;
    }
  }
  const definition: WorkflowDefinitionInput = { name: `sim-${rng.seed}`, nodes, edges };
  // Some runs have a token budget that agents may exhaust: the run then holds for a decision.
  // A second agent after the first makes the hold likely when the first one succeeds.
  const agent = kinds.indexOf("agent");
  if (generation >= 2 && agent > 0 && rng.chance(0.4)) {
    definition.budget = { tokens: 50 + rng.int(100) };
    const id = `n${count + 1}`;
    nodes.push({
      id,
      type: "agent",
      config: { prompt: "fate=ok {{ input.a }}" },
      timeoutMs: 30_000,
    });
    edges.push({ from: ids[agent]!, to: id });
    // Which agent the hold parks depends on which results arrived first: not compared.
    racy = true;
  }
  // A loop the workflow rules refuse (say, around a node another branch also joins) is left out.
  for (const loop of loops) {
    const tried = { ...definition, edges: [...definition.edges!, loop] };
    if (!validateWorkflow(tried).ok) continue;
    definition.edges = tried.edges;
    // A node outside the loop fed by its body's first node runs once, after whichever turn
    // fires it first: what it reads depends on how far the loop got by then (found by seed
    // 54650, where an event's arrival decided it). Not compared.
    if (edges.some((e) => e.from === loop.to && e.to !== loop.from)) racy = true;
  }
  return {
    definition,
    input: { a: rng.int(6), list: Array.from({ length: rng.int(4) }, (_, i) => i + 1) },
    decisions,
    events,
    racy,
    generation,
    children,
  };
}

/**
 * A child workflow (generation 6): a chain of 1-3 deterministic nodes over its input `x`
 * (transforms, queued http calls with a fate, delays) and an end node naming the last output.
 */
function childWorkflow(rng: Rng, workflowId: string): WorkflowDefinitionInput {
  const nodes: NodeInput[] = [{ id: "start", type: "start" }];
  const edges: EdgeInput[] = [];
  let previous = "start";
  let last: string | null = null;
  const steps = 1 + rng.int(3);
  for (let i = 1; i <= steps; i++) {
    const id = `c${i}`;
    const kind = rng.pick(["transform", "transform", "http", "delay"] as const);
    if (kind === "transform") {
      nodes.push({
        id,
        type: "transform",
        config: { expression: `input.x * ${i + 1} + ${rng.int(5)}` },
      });
      last = id;
    } else if (kind === "http") {
      const f = rng.pick<Fate>(["ok", "ok", "flaky1", "fatal"]);
      nodes.push({
        id,
        type: "http",
        config: {
          method: "GET",
          url: `https://sim.test/${workflowId}/${id}?fate=${f}`,
          mode: "queued",
        },
        timeoutMs: 5_000,
        retry: retry(rng),
      });
      last = id;
    } else {
      nodes.push({ id, type: "delay", config: { seconds: 1 + rng.int(10) } });
    }
    edges.push({ from: previous, to: id });
    previous = id;
  }
  nodes.push({
    id: "done",
    type: "end",
    config: {
      output: { x: "{{ input.x }}", ...(last ? { last: `{{ nodes.${last}.output }}` } : {}) },
    },
  });
  edges.push({ from: previous, to: "done" });
  return { name: workflowId, nodes, edges };
}
