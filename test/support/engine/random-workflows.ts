/**
 * Test support: random workflow definitions for the optimiser's property tests (fast-check).
 * Each graph is a DAG from start over transforms, conditions, switches, joins, GET and POST http
 * nodes and end nodes, with expressions that read the input and earlier nodes, some constant
 * (so the absorber has work), some identical GETs (the coalescer), chains of transforms (fusion)
 * and pure nodes nothing reads (elimination). Expressions only read nodes that have settled
 * whenever the reader runs (its ancestors, not past a `join: "any"`, nor the join itself, whose
 * output lists the branches that happened to fire first), as a careful author would: such reads
 * are timing-dependent with or without the optimiser.
 */
import fc from "fast-check";
import type { WorkflowDefinitionInput } from "../../../core/workflow/definition";

type NodeInput = WorkflowDefinitionInput["nodes"][number];
type EdgeInput = NonNullable<WorkflowDefinitionInput["edges"]>[number];

const KINDS = ["transform", "condition", "switch", "join", "get", "post", "end"] as const;
type Kind = (typeof KINDS)[number];

/** Everything random about one node, drawn up front; the graph is built from it. */
interface NodeDraw {
  kind: Kind;
  parents: number[];
  ports: number[];
  errorEdge: boolean;
  any: boolean;
  pick: number[];
  k: number;
  variant: number;
}

const nodeDraw = fc.record({
  kind: fc.constantFrom<Kind>(
    "transform",
    "transform",
    "transform",
    "transform",
    "condition",
    "condition",
    "switch",
    "join",
    "get",
    "get",
    "post",
    "end",
  ),
  parents: fc.array(fc.nat(1000), { minLength: 1, maxLength: 2 }),
  ports: fc.array(fc.nat(10), { minLength: 2, maxLength: 2 }),
  errorEdge: fc.boolean(),
  any: fc.boolean(),
  pick: fc.array(fc.nat(1000), { minLength: 3, maxLength: 3 }),
  k: fc.integer({ min: -3, max: 9 }),
  variant: fc.nat(9),
});

/** A random workflow and a random input for it. */
export const randomWorkflow = fc
  .record({
    draws: fc.array(nodeDraw, { minLength: 1, maxLength: 16 }),
    input: fc.record({ a: fc.integer({ min: -5, max: 5 }), s: fc.constantFrom("a", "b", "c") }),
  })
  .map(({ draws, input }) => ({ definition: build(draws), input }));

const SWITCH_PORTS = ["a", "b", "default", "error"];
const CONDITION_PORTS = ["true", "false", "error"];

function build(draws: NodeDraw[]): WorkflowDefinitionInput {
  const ids = ["start", ...draws.map((_, i) => `n${i + 1}`)];
  const kinds: (Kind | "start")[] = ["start", ...draws.map((d) => d.kind)];
  const nodes: NodeInput[] = [{ id: "start", type: "start" }];
  const edges: EdgeInput[] = [];
  const seen = new Set<string>();
  /** Per node: the nodes it may read (settled whenever it runs). */
  const readable: Set<number>[] = [new Set()];
  /** Transforms whose value is a constant object { k: number }. */
  const constant = new Set<number>();
  /** Joins on "any" with more than one parent. */
  const anyJoins = new Set<number>();

  const addEdge = (from: number, to: number, on: string | null) => {
    const key = `${from}>${to}>${on}`;
    if (seen.has(key)) return;
    seen.add(key);
    const edge: EdgeInput = { from: ids[from]!, to: ids[to]! };
    if (on !== null) edge.on = on;
    edges.push(edge);
  };
  const portOf = (from: number, draw: number): string | null => {
    const kind = kinds[from];
    if (kind === "condition") return CONDITION_PORTS[draw % CONDITION_PORTS.length]!;
    if (kind === "switch") return SWITCH_PORTS[draw % SWITCH_PORTS.length]!;
    // Other kinds: mostly success, sometimes their error port.
    return draw % 7 === 0 && kind !== "start" ? "error" : null;
  };

  draws.forEach((d, i) => {
    const me = i + 1;
    const parents = [...new Set(d.parents.map((p) => p % me))];
    const mine = new Set<number>();
    parents.forEach((p, j) => {
      addEdge(p, me, portOf(p, d.ports[j] ?? 0));
      // A node reads what its parents could read, and its parents, unless it joins on "any"
      // (then a parent may still be running when it starts).
      if (!(d.kind === "join" && d.any && parents.length > 1)) {
        // A join "any" outputs the branches that fired before it ran: timing-dependent.
        if (!anyJoins.has(p)) mine.add(p);
        for (const r of readable[p]!) mine.add(r);
      }
    });
    readable.push(mine);
    const pool = [...mine].filter((r) => kinds[r] !== "start").sort((a, b) => a - b);
    const read = (n: number) => (pool.length === 0 ? null : ids[pool[d.pick[n]! % pool.length]!]!);
    const consts = pool.filter((r) => constant.has(r));
    const readConst = consts.length === 0 ? null : ids[consts[d.pick[0]! % consts.length]!]!;
    const id = ids[me]!;
    switch (d.kind) {
      case "transform": {
        const other = read(1);
        const options = [
          `{ 'k': ${d.k}, 'tag': 'c${d.k}' }`,
          `input.a + ${d.k}`,
          other ? `$string(nodes.${other}.output) & '-${d.k}'` : `'t${d.k}'`,
          other ? `$exists(nodes.${other}.output) ? 'had' : 'had not'` : `${d.k} * 2`,
          readConst ? `nodes.${readConst}.output.k + ${d.k}` : `input.s & '${d.k}'`,
          `${d.k} + 1`,
          `1 + 'a'`,
        ];
        const expression = options[d.variant % options.length]!;
        if (d.variant % options.length === 0) constant.add(me);
        nodes.push({ id, type: "transform", config: { expression } });
        break;
      }
      case "condition": {
        const options = [
          `input.a > ${d.k}`,
          `${d.k} > 2`,
          readConst ? `nodes.${readConst}.output.k = ${d.k}` : `'x' = 'x'`,
          read(0) ? `$exists(nodes.${read(0)}.output)` : `false`,
          `input.s = 'a' or ${d.k} = 1`,
        ];
        nodes.push({
          id,
          type: "condition",
          config: { expression: options[d.variant % options.length]! },
        });
        break;
      }
      case "switch": {
        const options = [
          "input.s",
          `'${["a", "b", "c"][Math.abs(d.k) % 3]}'`,
          readConst ? `nodes.${readConst}.output.tag` : "'a'",
        ];
        nodes.push({
          id,
          type: "switch",
          config: { expression: options[d.variant % options.length]!, cases: ["a", "b"] },
        });
        break;
      }
      case "join":
        if (d.any && parents.length > 1) anyJoins.add(me);
        nodes.push({ id, type: "join", join: d.any ? "any" : "all" });
        break;
      case "get": {
        const other = read(2);
        const paths = [
          "/shared",
          "/shared",
          `/items/{{ input.a }}`,
          other ? `/ref/{{ $string(nodes.${other}.output) }}` : "/shared",
        ];
        const mode = d.variant % 2 === 0 ? "inline" : "queued";
        nodes.push({
          id,
          type: "http",
          config: {
            url: `https://api.example.com${paths[d.variant % paths.length]}`,
            mode,
            failOnStatus: false,
          },
          retry: { maxAttempts: 1 },
        });
        break;
      }
      case "post": {
        const other = read(1);
        nodes.push({
          id,
          type: "http",
          config: {
            method: "POST",
            url: `https://hooks.example.com/${id}`,
            body: { from: id, value: other ? `{{ nodes.${other}.output }}` : "{{ input.a }}" },
            failOnStatus: false,
          },
          retry: { maxAttempts: 1 },
        });
        break;
      }
      case "end": {
        const output: Record<string, string> = { input: "{{ input.a }}" };
        for (const n of [0, 1, 2]) {
          const r = read(n);
          if (r) output[r] = `{{ nodes.${r}.output }}`;
        }
        nodes.push({ id, type: "end", config: { output } });
        break;
      }
    }
  });
  return { name: "random", nodes, edges };
}

/** The stand-in remote server: answers from the request alone. */
export function randomServer(request: { method: string; url: string; body?: string }) {
  const url = new URL(request.url);
  return {
    status: url.pathname.includes("/items/-") ? 404 : 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      method: request.method,
      path: url.pathname,
      body: request.body ?? null,
    }),
  };
}
