import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineKind, NO_RETRY, SUCCESS_PORT } from "../kinds/kind";
import { BUILTIN_KINDS, createKindRegistry } from "../kinds/registry";
import { WorkflowDefinition, type WorkflowDefinitionInput } from "../workflow/definition";
import { validateWorkflow } from "../workflow/validate";
import { compile, INLINE_HTTP_MAX_TIMEOUT_MS } from "./compile";
import type { IR, IRNode } from "./ir";

type NodeInput = WorkflowDefinitionInput["nodes"][number];
type EdgeInput = NonNullable<WorkflowDefinitionInput["edges"]>[number];

const SAMPLES = new URL("../../samples/", import.meta.url);

/** A kind in the palette that cannot run yet. */
const COMING_SOON = defineKind({
  type: "teleport",
  title: "Teleport",
  description: "Not yet.",
  status: "coming_soon",
  execution: "inline",
  config: z.record(z.string(), z.unknown()),
  ports: () => [SUCCESS_PORT],
  expressions: () => [],
  defaults: { retry: NO_RETRY, timeoutMs: 1000 },
  traits: {},
});

function sample(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`${name}.json`, SAMPLES), "utf8"));
}

/** A definition as the API would hand it to the compiler: validated, defaults applied. */
function validated(input: unknown): WorkflowDefinition {
  const result = validateWorkflow(input);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.definition;
}

function compiled(nodes: NodeInput[], edges: EdgeInput[] = []): IR {
  return compile(validated({ name: "test", nodes, edges }));
}

function node(ir: IR, id: string): IRNode {
  const index = ir.byId[id];
  const found = index === undefined ? undefined : ir.nodes[index];
  if (!found) throw new Error(`no node ${id}`);
  return found;
}

/** start → one node under test. */
function single(spec: NodeInput): IRNode {
  return node(
    compiled([{ id: "start", type: "start" }, spec], [{ from: "start", to: spec.id }]),
    spec.id,
  );
}

const levelsOf = (ir: IR) => Object.fromEntries(ir.nodes.map((n) => [n.id, n.level]));

describe("compile: structure", () => {
  const ir = compile(validated(sample("hello")));

  it("names the workflow, its start and the IR version", () => {
    expect(ir).toMatchObject({ irVersion: 3, name: "hello", start: "start" });
  });

  it("indexes nodes by id in definition order", () => {
    expect(ir.byId).toEqual({
      start: 0,
      greet: 1,
      is_long: 2,
      shout: 3,
      whisper: 4,
      merge: 5,
      done: 6,
    });
    expect(ir.nodes.map((n) => n.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("lists each node's incoming and outgoing edge indexes", () => {
    const adjacency = Object.fromEntries(ir.nodes.map((n) => [n.id, { in: n.in, out: n.out }]));
    expect(adjacency).toEqual({
      start: { in: [], out: [0] },
      greet: { in: [0], out: [1] },
      is_long: { in: [1], out: [2, 3] },
      shout: { in: [2], out: [4] },
      whisper: { in: [3], out: [5] },
      merge: { in: [4, 5], out: [6] },
      done: { in: [6], out: [] },
    });
  });

  it("keeps edges with their port (null = default) and loop bound (null = forward)", () => {
    expect(ir.edges[2]).toEqual({ index: 2, from: "is_long", to: "shout", on: "true", loop: null });
    expect(ir.edges[0]).toEqual({ index: 0, from: "start", to: "greet", on: null, loop: null });
    const loop = compile(validated(sample("countdown-loop")));
    expect(loop.edges[3]).toEqual({ index: 3, from: "more", to: "tick", on: "true", loop: 100 });
  });

  it("carries the join rule, defaulting to all", () => {
    expect(node(ir, "merge").join).toBe("any");
    expect(node(ir, "done").join).toBe("all");
  });
});

describe("compile: ports", () => {
  it("gives each kind its outcome ports", () => {
    expect(single({ id: "c", type: "condition", config: { expression: "true" } }).ports).toEqual([
      "true",
      "false",
    ]);
    expect(
      single({ id: "s", type: "switch", config: { expression: "input.k", cases: ["a", "b"] } })
        .ports,
    ).toEqual(["a", "b", "default"]);
    expect(single({ id: "h", type: "http", config: { url: "https://x.test" } }).ports).toEqual([
      "success",
    ]);
    expect(single({ id: "t", type: "transform", config: { expression: "1" } }).ports).toEqual([
      "success",
    ]);
  });

  it("gives an unknown kind no ports", () => {
    expect(single({ id: "u", type: "teleport", config: { to: "mars" } }).ports).toEqual([]);
  });
});

describe("compile: defaults and dispatch modes", () => {
  it("queues an http node with the kind's defaults: 3 attempts, 30 s timeout", () => {
    const http = single({ id: "h", type: "http", config: { url: "https://x.test" } });
    expect(http).toMatchObject({
      type: "http",
      mode: "queued",
      timeoutMs: 30_000,
      retry: { maxAttempts: 3, backoff: "exponential", initialDelayMs: 500, maxDelayMs: 30_000 },
      config: { url: "https://x.test", method: "GET", failOnStatus: true, mode: "auto" },
    });
  });

  it("runs an http node inline when its timeout is short", () => {
    const http = single({
      id: "h",
      type: "http",
      config: { url: "https://x.test" },
      timeoutMs: 2000,
    });
    expect(http.mode).toBe("inline");
    expect(http.timeoutMs).toBe(2000);
  });

  it("puts the inline threshold at INLINE_HTTP_MAX_TIMEOUT_MS inclusive", () => {
    const at = (timeoutMs: number) =>
      single({ id: "h", type: "http", config: { url: "https://x.test" }, timeoutMs }).mode;
    expect(at(INLINE_HTTP_MAX_TIMEOUT_MS)).toBe("inline");
    expect(at(INLINE_HTTP_MAX_TIMEOUT_MS + 1)).toBe("queued");
  });

  it("follows an explicit http mode over the timeout", () => {
    expect(
      single({ id: "h", type: "http", config: { url: "https://x.test", mode: "inline" } }).mode,
    ).toBe("inline");
    expect(
      single({
        id: "h",
        type: "http",
        config: { url: "https://x.test", mode: "queued" },
        timeoutMs: 2000,
      }).mode,
    ).toBe("queued");
  });

  it("keeps a node's own retry policy, with the policy's defaults filled in", () => {
    const http = single({
      id: "h",
      type: "http",
      config: { url: "https://x.test" },
      retry: { maxAttempts: 7 },
    });
    expect(http.retry).toEqual({
      maxAttempts: 7,
      backoff: "exponential",
      initialDelayMs: 500,
      maxDelayMs: 60_000,
    });
  });

  it("runs a transform inline, once, with a 10 s timeout", () => {
    expect(single({ id: "t", type: "transform", config: { expression: "1" } })).toMatchObject({
      mode: "inline",
      timeoutMs: 10_000,
      retry: { maxAttempts: 1 },
    });
  });

  it("parks a delay", () => {
    expect(single({ id: "d", type: "delay", config: { seconds: 5 } }).mode).toBe("wait");
  });

  it("skips an unknown type, keeping its config as written", () => {
    expect(single({ id: "u", type: "teleport", config: { to: "mars" } })).toMatchObject({
      mode: "skip",
      config: { to: "mars" },
      retry: { maxAttempts: 1 },
    });
  });

  it("skips a coming-soon kind if one reaches the compiler", () => {
    const def = WorkflowDefinition.parse({
      name: "x",
      nodes: [
        { id: "start", type: "start" },
        { id: "ask", type: "teleport" },
      ],
      edges: [{ from: "start", to: "ask" }],
    });
    const kinds = createKindRegistry([...BUILTIN_KINDS, COMING_SOON]);
    expect(node(compile(def, { kinds }), "ask").mode).toBe("skip");
  });

  it("compiles a map's step like a node of its own", () => {
    const ir = compile(validated(sample("health-fanout")));
    const probe = node(ir, "probe");
    expect(probe.mode).toBe("inline");
    expect(probe.config).toMatchObject({ items: "[1, 2, 3]", concurrency: 3 });
    expect(probe.body).toMatchObject({
      type: "http",
      mode: "queued",
      timeoutMs: 30_000,
      retry: { maxAttempts: 3 },
      config: { method: "GET", mode: "auto", failOnStatus: true },
    });
    expect(node(ir, "summary").body).toBeUndefined();
  });
});

describe("compile: levels", () => {
  it("puts the two sides of a diamond on one level", () => {
    const t = (id: string): NodeInput => ({ id, type: "transform", config: { expression: "1" } });
    const ir = compiled(
      [{ id: "start", type: "start" }, t("left"), t("right"), { id: "done", type: "end" }],
      [
        { from: "start", to: "left" },
        { from: "start", to: "right" },
        { from: "left", to: "done" },
        { from: "right", to: "done" },
      ],
    );
    expect(ir.nodes.map((n) => n.level)).toEqual([0, 1, 1, 2]);
  });

  it("uses the longest path, so a node waits for its deepest input", () => {
    const ir = compile(validated(sample("hello")));
    expect(levelsOf(ir)).toEqual({
      start: 0,
      greet: 1,
      is_long: 2,
      shout: 3,
      whisper: 3,
      merge: 4,
      done: 5,
    });
  });

  it("ignores loop edges", () => {
    const ir = compile(validated(sample("countdown-loop")));
    expect(levelsOf(ir)).toEqual({ start: 0, init: 1, tick: 2, more: 3, done: 4 });
  });

  it("uses the levels pass it is given", () => {
    const ir = compile(validated(sample("hello")), {
      levels: ({ offsets }) => Int32Array.from({ length: offsets.length - 1 }, (_, i) => 10 + i),
    });
    expect(ir.nodes.map((n) => n.level)).toEqual([10, 11, 12, 13, 14, 15, 16]);
  });
});

describe("compile: loop bodies", () => {
  it("lists the nodes one countdown iteration re-runs, in definition order", () => {
    expect(compile(validated(sample("countdown-loop"))).loopBodies).toEqual({
      3: ["tick", "more"],
    });
  });

  it("has no loop bodies without loop edges", () => {
    expect(compile(validated(sample("hello"))).loopBodies).toEqual({});
  });
});

describe("compile: determinism", () => {
  const names = readdirSync(SAMPLES)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length));

  it.each(names)("compiles %s to the same IR twice", (name) => {
    const def = validated(sample(name));
    expect(compile(def)).toEqual(compile(def));
  });

  it.each(names)("compiles a JSON round trip of %s to the same IR", (name) => {
    const def = validated(sample(name));
    const again = validated(JSON.parse(JSON.stringify(def)));
    expect(compile(again)).toEqual(compile(def));
  });

  it.each(names)("produces an IR of %s that survives JSON storage unchanged", (name) => {
    const ir = compile(validated(sample(name)));
    expect(JSON.parse(JSON.stringify(ir))).toEqual(ir);
  });
});

/**
 * Random workflows: a start, transforms wired forward (lower index to higher, so no cycle), every
 * node without a predecessor fed by start, and loop edges b → a where a reaches b (self loops too).
 */
const randomWorkflow = fc
  .integer({ min: 1, max: 40 })
  .chain((size) => {
    const pair = fc.tuple(fc.nat(size - 1), fc.nat(size - 1));
    return fc.record({
      size: fc.constant(size),
      pairs: fc.array(pair, { maxLength: size * 3, size: "max" }),
      back: fc.array(pair, { maxLength: 6, size: "max" }),
    });
  })
  .map(({ size, pairs, back }) => {
    const id = (i: number) => (i === 0 ? "start" : `n${i}`);
    const out: number[][] = Array.from({ length: size }, () => []);
    const edges: EdgeInput[] = [];
    const added = new Set<string>();
    for (const [x, y] of pairs) {
      const [a, b] = x < y ? [x, y] : [y, x];
      if (a === b || added.has(`${a}-${b}`)) continue;
      added.add(`${a}-${b}`);
      out[a]!.push(b);
      edges.push({ from: id(a), to: id(b) });
    }
    for (let i = 1; i < size; i++) {
      if (!out.some((targets) => targets.includes(i))) {
        out[0]!.push(i);
        edges.push({ from: "start", to: id(i) });
      }
    }
    const reaches = (from: number, to: number): boolean => {
      const seen = new Set([from]);
      const todo = [from];
      while (todo.length > 0) {
        const u = todo.pop()!;
        if (u === to) return true;
        for (const v of out[u]!) {
          if (!seen.has(v)) {
            seen.add(v);
            todo.push(v);
          }
        }
      }
      return false;
    };
    const loops = new Set<string>();
    for (const [x, y] of back) {
      const [a, b] = x <= y ? [x, y] : [y, x];
      if (a === 0 || loops.has(`${a}-${b}`) || !reaches(a, b)) continue;
      loops.add(`${a}-${b}`);
      edges.push({ from: id(b), to: id(a), loop: { maxIterations: 3 } });
    }
    const nodes: NodeInput[] = Array.from({ length: size }, (_, i) =>
      i === 0
        ? { id: "start", type: "start" }
        : { id: id(i), type: "transform", config: { expression: "1" } },
    );
    return { name: "random", nodes, edges } satisfies WorkflowDefinitionInput;
  });

/** Ids reachable from `from` (itself included) over forward edges. */
function forwardReach(ir: IR, from: string): Set<string> {
  const seen = new Set([from]);
  const todo = [from];
  while (todo.length > 0) {
    for (const e of node(ir, todo.pop()!).out) {
      const edge = ir.edges[e]!;
      if (edge.loop === null && !seen.has(edge.to)) {
        seen.add(edge.to);
        todo.push(edge.to);
      }
    }
  }
  return seen;
}

describe("compile: properties", () => {
  it("keeps adjacency, levels and loop bodies consistent on random workflows", () => {
    fc.assert(
      fc.property(randomWorkflow, (input) => {
        const ir = compile(validated(input));
        ir.edges.forEach((e, i) => {
          expect(e.index).toBe(i);
          expect(node(ir, e.from).out).toContain(i);
          expect(node(ir, e.to).in).toContain(i);
          if (e.loop === null) expect(node(ir, e.to).level).toBeGreaterThan(node(ir, e.from).level);
        });
        const inCount = ir.nodes.reduce((sum, n) => sum + n.in.length, 0);
        const outCount = ir.nodes.reduce((sum, n) => sum + n.out.length, 0);
        expect(inCount).toBe(ir.edges.length);
        expect(outCount).toBe(ir.edges.length);
        for (const n of ir.nodes) {
          const preds = n.in.map((e) => ir.edges[e]!).filter((e) => e.loop === null);
          const deepest = Math.max(-1, ...preds.map((e) => node(ir, e.from).level));
          expect(n.level).toBe(deepest + 1);
        }
        for (const e of ir.edges) {
          if (e.loop === null) continue;
          const fromTarget = forwardReach(ir, e.to);
          const expected = ir.nodes
            .map((n) => n.id)
            .filter((id) => fromTarget.has(id) && forwardReach(ir, id).has(e.from));
          expect(ir.loopBodies[e.index]).toEqual(expected);
          expect(expected).toContain(e.to);
          expect(expected).toContain(e.from);
        }
        expect(Object.keys(ir.loopBodies).length).toBe(ir.edges.filter((e) => e.loop).length);
        expect(compile(validated(JSON.parse(JSON.stringify(input))))).toEqual(ir);
      }),
      { numRuns: 100 },
    );
  });
});
