import { describe, expect, it } from "vitest";
import { configReferences, expressionReferences } from "./references";

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
