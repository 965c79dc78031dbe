import { describe, expect, it } from "vitest";
import { ExpressionError } from "./jsonata";
import { checkTemplates, findTemplates, renderTemplates } from "./template";

const context = {
  input: { id: 42, name: "Ada", tags: ["a", "b"], user: { id: 7, role: "admin" }, none: null },
  nodes: { greet: { output: "Hello", status: "succeeded" } },
};

describe("findTemplates", () => {
  it("lists every template with its path inside nested objects and arrays", () => {
    expect(
      findTemplates({
        url: "https://x.test/{{ input.id }}/{{input.name}}",
        headers: { "x-user": "{{ input.user.id }}" },
        body: ["plain", { deep: "{{ nodes.greet.output }}" }],
        n: 1,
      }),
    ).toEqual([
      { path: ["url"], expression: "input.id" },
      { path: ["url"], expression: "input.name" },
      { path: ["headers", "x-user"], expression: "input.user.id" },
      { path: ["body", 1, "deep"], expression: "nodes.greet.output" },
    ]);
  });

  it("finds nothing in values without templates", () => {
    expect(findTemplates({ a: "no braces", b: 1, c: null, d: [true] })).toEqual([]);
  });
});

describe("checkTemplates", () => {
  it("reports a syntax error with the path, the expression and the position in it", () => {
    expect(checkTemplates({ url: "https://x.test/{{ input. }}", list: ["ok {{ 1 + }}"] })).toEqual([
      {
        path: ["url"],
        expression: "input.",
        message: "Unexpected end of expression",
        position: 6,
      },
      {
        path: ["list", 0],
        expression: "1 +",
        message: "Unexpected end of expression",
        position: 3,
      },
    ]);
  });

  it("reports an empty template", () => {
    expect(checkTemplates({ output: "{{ }}" })).toEqual([
      { path: ["output"], expression: "", message: "empty {{ }} template" },
    ]);
  });

  it("accepts templates that parse", () => {
    expect(checkTemplates({ a: "{{ input.id }}", b: "x-{{ $uppercase(input.name) }}" })).toEqual(
      [],
    );
  });
});

describe("renderTemplates", () => {
  it("returns the raw value of a whole-string template: an object stays an object", async () => {
    expect(await renderTemplates("{{ input.user }}", context)).toEqual({ id: 7, role: "admin" });
    expect(await renderTemplates("{{ input.tags }}", context)).toEqual(["a", "b"]);
    expect(await renderTemplates("{{ input.id }}", context)).toBe(42);
    expect(await renderTemplates("{{ input.id > 40 }}", context)).toBe(true);
  });

  it("treats surrounding whitespace as part of a whole-string template", async () => {
    expect(await renderTemplates("  {{ input.user }}\n", context)).toEqual({
      id: 7,
      role: "admin",
    });
  });

  it("renders a whole-string template of null or no match as null", async () => {
    expect(await renderTemplates("{{ input.none }}", context)).toBeNull();
    expect(await renderTemplates("{{ input.missing }}", context)).toBeNull();
  });

  it("interpolates templates inside longer strings as text, objects as JSON", async () => {
    expect(await renderTemplates("id-{{ input.id }}", context)).toBe("id-42");
    expect(await renderTemplates("Hi {{ input.name }}!", context)).toBe("Hi Ada!");
    expect(await renderTemplates("user={{ input.user }}", context)).toBe(
      'user={"id":7,"role":"admin"}',
    );
    expect(await renderTemplates("tags={{ input.tags }}", context)).toBe('tags=["a","b"]');
    expect(await renderTemplates("ok={{ input.id > 40 }}", context)).toBe("ok=true");
  });

  it("interpolates two adjacent templates instead of treating them as one", async () => {
    expect(await renderTemplates("{{ input.id }}{{ input.name }}", context)).toBe("42Ada");
    expect(await renderTemplates("{{ input.id }} and {{ input.name }}", context)).toBe(
      "42 and Ada",
    );
  });

  it("renders null and no match as empty text inside a string", async () => {
    expect(await renderTemplates("[{{ input.none }}]", context)).toBe("[]");
    expect(await renderTemplates("[{{ input.missing }}]", context)).toBe("[]");
  });

  it("renders templates throughout a nested value and keeps everything else", async () => {
    const config = {
      url: "https://x.test/users/{{ input.user.id }}",
      body: { user: "{{ input.user }}", greeting: "{{ nodes.greet.output }}, {{ input.name }}" },
      list: ["{{ input.id }}", 1, true, null, "plain"],
    };
    const before = structuredClone(config);
    expect(await renderTemplates(config, context)).toEqual({
      url: "https://x.test/users/7",
      body: { user: { id: 7, role: "admin" }, greeting: "Hello, Ada" },
      list: [42, 1, true, null, "plain"],
    });
    expect(config).toEqual(before);
  });

  it("rejects with an ExpressionError when a template fails to evaluate", async () => {
    await expect(renderTemplates("x-{{ input.name + 1 }}", context)).rejects.toBeInstanceOf(
      ExpressionError,
    );
  });
});
