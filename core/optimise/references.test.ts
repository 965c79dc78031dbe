import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { randomWorkflow } from "../../test/support/engine/random-workflows";
import { findTemplates } from "../expressions/template";
import {
  astReferences,
  configReferences,
  expressionReferences,
  lexicalReferences,
  noReferences,
} from "./references";

const nodesOf = (source: string) => [...expressionReferences(source).nodes].sort();

describe("what an expression reads", () => {
  it("names the nodes it reads, however the path starts", () => {
    expect(nodesOf("nodes.fetch.output.body.total > input.limit")).toEqual(["fetch"]);
    expect(nodesOf("$$.nodes.a.output + $.nodes.b.output")).toEqual(["a", "b"]);
    expect(nodesOf("(nodes.q.output).x & input.items.(nodes.w.status)")).toEqual(["q", "w"]);
    expect(nodesOf("$map(input.l, function($v) { $v + nodes.k.output })")).toEqual(["k"]);
    expect(expressionReferences("input.x").input).toBe(true);
    expect(expressionReferences("run.id").run).toBe(true);
  });

  it("says `unknown` when the nodes it reads cannot be named", () => {
    for (const source of [
      "nodes",
      "$keys(nodes)",
      "nodes.*.output",
      "nodes['x']",
      "$",
      "$$",
      "**.x",
    ]) {
      expect(expressionReferences(source).unknown, source).toBe(true);
    }
    // `$` inside a filter is the current item, not the context.
    expect(expressionReferences("input.items[$ > 3]").unknown).toBe(false);
  });

  it("flags volatile functions", () => {
    expect(expressionReferences("$now()").volatile).toBe(true);
    expect(expressionReferences("$random() > 0.5").volatile).toBe(true);
    expect(expressionReferences("$uppercase('a')").volatile).toBe(false);
  });

  it("reads a node's config: its kind's expressions and every template", () => {
    const refs = configReferences("http", {
      url: "https://x/{{ nodes.a.output.id }}",
      headers: { auth: "Bearer {{ nodes.token.output }}" },
    });
    expect([...refs.nodes].sort()).toEqual(["a", "token"]);
    expect([...configReferences("transform", { expression: "nodes.z.output" }).nodes]).toEqual([
      "z",
    ]);
  });
});

describe("the fast path", () => {
  const sources = [
    "nodes.fetch.output.body.total > input.limit",
    "$string(nodes.n3.output) & '-2'",
    "nodes.a.output * 2 + nodes.b.output",
    "'nodes' & \"run\" /* input */",
    "nodes.`x`.output",
    "$exists(nodes.q.output) ? 'had' : 'had not'",
    "$map(input.l, function($v) { $v + nodes.k.output })",
    "run.id & $now()",
    "nodes.*.output",
    "$$.nodes.y",
    "input.items[$ > 3]",
    "**.x",
    "nodes['x']",
    "$keys(nodes)",
    "input.a.*",
  ];

  it("answers or defers, and never reads less than the syntax tree", () => {
    for (const source of sources) {
      const fast = lexicalReferences(source);
      const exact = astReferences(source);
      if (!fast) continue;
      for (const id of exact.nodes) expect(fast.nodes.has(id), `${source}: ${id}`).toBe(true);
      for (const flag of ["input", "run", "item", "volatile"] as const) {
        if (exact[flag]) expect(fast[flag], `${source}: ${flag}`).toBe(true);
      }
      expect(exact.unknown, source).toBe(false);
    }
    expect(lexicalReferences("nodes.a.output * 2")?.nodes).toEqual(new Set(["a"]));
    expect(lexicalReferences("'nodes' & \"run\" /* input */")).toEqual(noReferences());
    for (const source of [
      "nodes.*.output",
      "$$.nodes.y",
      "input.items[$ > 3]",
      "**.x",
      "nodes['x']",
      "$keys(nodes)",
      "input.a.*",
    ]) {
      expect(lexicalReferences(source), source).toBeNull();
    }
  });

  it("agrees with the syntax tree on the expressions of random workflows", () => {
    fc.assert(
      fc.property(randomWorkflow, ({ definition }) => {
        for (const node of definition.nodes) {
          const texts = [
            ...(typeof node.config?.expression === "string" ? [node.config.expression] : []),
            ...findTemplates(node.config ?? {}).map((t) => t.expression),
          ];
          for (const source of texts) {
            const fast = lexicalReferences(source);
            if (!fast) continue;
            const exact = astReferences(source);
            expect([...fast.nodes].sort(), source).toEqual([...exact.nodes].sort());
            expect(fast.input, source).toBe(exact.input);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
