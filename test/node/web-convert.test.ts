import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { WorkflowDefinitionInput } from "../../core/workflow/definition";
import { validateWorkflow } from "../../core/workflow/validate";
import { edgeId, parseImport, toCanvas, toDefinition } from "../../web/src/builder/convert";
import { layeredLayout } from "../../web/src/builder/layout";
import { portsOf } from "../../web/src/flow/ports";

const ROOT = join(import.meta.dirname, "..", "..");
const sample = (name: string) =>
  JSON.parse(
    readFileSync(join(ROOT, "samples", `${name}.json`), "utf8"),
  ) as WorkflowDefinitionInput;
const titles = new Map([["transform", "Transform"]]);

describe("canvas <-> workflow definition", () => {
  for (const name of ["hello", "countdown-loop", "health-fanout"]) {
    it(`round-trips the ${name} sample to the same nodes and edges`, () => {
      const def = sample(name);
      const back = toDefinition(toCanvas(def, titles));
      expect(back.name).toBe(def.name);
      expect(back.description).toBe(def.description);
      expect(back.nodes.map((n) => [n.id, n.type, n.config ?? {}, n.join ?? "all"])).toEqual(
        def.nodes.map((n) => [n.id, n.type, n.config ?? {}, n.join ?? "all"]),
      );
      expect(back.edges).toEqual(def.edges);
      expect(validateWorkflow(back).ok).toBe(true);
    });
  }

  it("keeps the run settings (budget, deadline, concurrency, tool) through the canvas", () => {
    const def: WorkflowDefinitionInput = {
      ...sample("hello"),
      exposeAsTool: true,
      budget: { tokens: 5000 },
      timeoutSeconds: 600,
      concurrency: { limit: 3, key: "{{ input.customer }}", maxQueued: 50 },
      throttle: { limit: 10, periodSeconds: 60, key: "{{ input.customer }}" },
      debounce: { periodSeconds: 5, key: "{{ input.customer }}" },
    };
    const back = toDefinition(toCanvas(def, titles));
    expect(back.budget).toEqual({ tokens: 5000 });
    expect(back.timeoutSeconds).toBe(600);
    expect(back.concurrency).toEqual({ limit: 3, key: "{{ input.customer }}", maxQueued: 50 });
    expect(back.throttle).toEqual({ limit: 10, periodSeconds: 60, key: "{{ input.customer }}" });
    expect(back.debounce).toEqual({ periodSeconds: 5, key: "{{ input.customer }}" });
    expect(back.exposeAsTool).toBe(true);
    expect(validateWorkflow(back).ok).toBe(true);
    const plain = toDefinition(toCanvas(sample("hello"), titles));
    expect(Object.keys(plain)).not.toContain("concurrency");
    expect(Object.keys(plain)).not.toContain("exposeAsTool");
  });

  it("places nodes without ui.positions by level, and keeps saved positions", () => {
    const def = sample("hello");
    const canvas = toCanvas(def, titles);
    const x = (id: string) => canvas.nodes.find((n) => n.id === id)!.position.x;
    expect(x("start")).toBeLessThan(x("greet"));
    expect(x("shout")).toBe(x("whisper"));
    expect(x("merge")).toBeGreaterThan(x("shout"));
    const moved = {
      ...canvas,
      nodes: canvas.nodes.map((n) => ({ ...n, position: { x: 7, y: 9 } })),
    };
    const saved = toDefinition(moved);
    expect(saved.ui?.positions?.greet).toEqual({ x: 7, y: 9 });
    expect(toCanvas(saved, titles).nodes[1]!.position).toEqual({ x: 7, y: 9 });
  });

  it("puts the outcome port on the edge only for kinds with several ports, and always for error", () => {
    const canvas = toCanvas(
      {
        name: "ports",
        nodes: [
          { id: "start", type: "start" },
          { id: "ask", type: "approval", config: { message: "ok?" } },
          { id: "t", type: "transform", config: { expression: "1" } },
          { id: "oops", type: "end" },
        ],
        edges: [],
      },
      titles,
    );
    canvas.edges = [
      { id: "a", source: "start", target: "ask", sourceHandle: "success" },
      { id: "b", source: "ask", target: "t", sourceHandle: "approved" },
      { id: "c", source: "t", target: "oops", sourceHandle: "error" },
    ];
    expect(toDefinition(canvas).edges).toEqual([
      { from: "start", to: "ask" },
      { from: "ask", to: "t", on: "approved" },
      { from: "t", to: "oops", on: "error" },
    ]);
  });

  it("gives edges the port as handle and keeps loop marks", () => {
    const canvas = toCanvas(sample("countdown-loop"), titles);
    const back = canvas.edges.find((e) => e.source === "more" && e.target === "tick")!;
    expect(back.id).toBe(edgeId("more", "true", "tick"));
    expect(back.sourceHandle).toBe("true");
    expect(back.data?.loop).toEqual({ maxIterations: 100 });
    expect(canvas.edges.find((e) => e.source === "start")!.sourceHandle).toBe("success");
  });
});

describe("ports", () => {
  it("follows the kind registry", () => {
    expect(portsOf("condition", {})).toEqual(["true", "false"]);
    expect(portsOf("approval", {})).toEqual(["approved", "rejected", "timeout"]);
    expect(portsOf("switch", { cases: ["a", "b"] })).toEqual(["a", "b", "default"]);
    expect(portsOf("switch", {})).toEqual(["default"]);
    expect(portsOf("transform", {})).toEqual(["success"]);
    expect(portsOf("no_such_kind", {})).toEqual(["success"]);
  });
});

describe("layered layout", () => {
  it("ignores back edges and spreads a level vertically", () => {
    const pos = layeredLayout(
      ["a", "b", "c", "d"],
      [
        { from: "a", to: "b" },
        { from: "a", to: "c" },
        { from: "b", to: "d" },
        { from: "c", to: "d" },
        { from: "d", to: "a", loop: { maxIterations: 3 } },
      ],
    );
    expect(pos.a!.x).toBe(0);
    expect(pos.b!.x).toBe(pos.c!.x);
    expect(pos.b!.y).not.toBe(pos.c!.y);
    expect(pos.d!.x).toBeGreaterThan(pos.b!.x);
  });

  it("wraps a wide fan-out into columns and places 10,000 nodes apart", () => {
    const ids = ["start", "end"];
    const edges: { from: string; to: string }[] = [];
    for (let i = 0; i < 10_000; i++) {
      ids.push(`t${i}`);
      edges.push({ from: "start", to: `t${i}` }, { from: `t${i}`, to: "end" });
    }
    const pos = layeredLayout(ids, edges);
    const fan = ids.slice(2).map((id) => pos[id]!);
    expect(new Set(fan.map((p) => `${p.x},${p.y}`)).size).toBe(10_000);
    const xs = new Set(fan.map((p) => p.x));
    const ys = new Set(fan.map((p) => p.y));
    // About as many columns as rows, not one column 1.2 million pixels tall.
    expect(xs.size).toBe(100);
    expect(ys.size).toBe(100);
    expect(Math.min(...fan.map((p) => p.x))).toBeGreaterThan(pos.start!.x);
    expect(pos.end!.x).toBeGreaterThan(Math.max(...fan.map((p) => p.x)));
  });

  it("still places every node of a cycle without a back-edge mark", () => {
    const pos = layeredLayout(
      ["a", "b"],
      [
        { from: "a", to: "b" },
        { from: "b", to: "a" },
      ],
    );
    expect(Object.keys(pos).sort()).toEqual(["a", "b"]);
  });
});

describe("import", () => {
  it("accepts a definition or an API workflow, and says what is wrong otherwise", () => {
    const def = sample("hello");
    expect(parseImport(JSON.stringify(def))).toMatchObject({ name: "hello" });
    expect(parseImport(JSON.stringify({ id: "wf_1", definition: def }))).toMatchObject({
      name: "hello",
    });
    expect(parseImport("{")).toMatch(/not JSON/);
    expect(parseImport("{}")).toMatch(/no `nodes`/);
    expect(parseImport('{"nodes":[{"id":1}]}')).toMatch(/nodes\[0\]/);
  });
});
