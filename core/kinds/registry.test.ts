import { describe, expect, it } from "vitest";
import { z } from "zod";
import { drive } from "../../test/support/engine/drive";
import { compile } from "../compile/compile";
import { renderTemplates } from "../expressions/template";
import { validateWorkflow } from "../workflow/validate";
import { defineKind, NO_RETRY, SUCCESS_PORT } from "./kind";
import { BUILTIN_KINDS, createKindRegistry, describeKinds } from "./registry";

/**
 * A throwaway kind, added the way a real one is: its own definition (schema, ports, defaults,
 * traits, executor) and a registry built with it. Nothing else in the tree knows its name.
 */
const uppercase = defineKind({
  type: "uppercase",
  title: "Uppercase",
  description: "Upper-cases a text (a template over the run context).",
  status: "active",
  execution: "inline",
  config: z.strictObject({ text: z.string().min(1).max(1000), suffix: z.string().default("!") }),
  ports: () => [SUCCESS_PORT],
  expressions: () => [],
  defaults: { retry: NO_RETRY, timeoutMs: 2_000 },
  traits: { pure: true },
  run: async (step, ctx, limits) => ({
    output: `${String(await renderTemplates(step.config.text, ctx, limits)).toUpperCase()}${step.config.suffix}`,
    port: null,
  }),
});

const kinds = createKindRegistry([...BUILTIN_KINDS, uppercase]);

const workflow = (text: unknown) => ({
  name: "shout",
  nodes: [
    { id: "start", type: "start" },
    { id: "shout", type: "uppercase", config: { text } },
    // A dead end read by nothing: a pure kind's trait lets the optimiser drop it.
    { id: "unread", type: "uppercase", config: { text: "never" } },
    { id: "done", type: "end", config: { output: "{{ nodes.shout.output }}" } },
  ],
  edges: [
    { from: "start", to: "shout" },
    { from: "start", to: "unread" },
    { from: "shout", to: "done" },
  ],
});

function valid(def: unknown) {
  const r = validateWorkflow(def, kinds);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.definition;
}

describe("a kind added through its file and a registry", () => {
  it("validates against its own schema, with the JSON path of a bad config", () => {
    const ok = validateWorkflow(workflow("hello {{ input.name }}"), kinds);
    expect(ok).toMatchObject({ ok: true, warnings: [] });

    const bad = validateWorkflow(workflow(42), kinds);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors.map((e) => [e.path, e.code])).toEqual([
      [["nodes", 1, "config", "text"], "invalid_config"],
    ]);

    // The platform's registry does not know it: a warning, as for any unknown type.
    const platform = validateWorkflow(workflow("hello"));
    expect(platform.warnings.map((w) => [w.path, w.code])).toContainEqual([
      ["nodes", 1, "type"],
      "unknown_type",
    ]);
  });

  it("compiles with its defaults parsed once and its traits read by the optimiser", () => {
    const ir = compile(valid(workflow("hello")), { kinds });
    const shout = ir.nodes[ir.byId.shout!]!;
    expect(shout).toMatchObject({
      mode: "inline",
      timeoutMs: 2_000,
      retry: NO_RETRY,
      ports: [SUCCESS_PORT],
      config: { text: "hello", suffix: "!" },
    });
    expect(ir.nodes[ir.byId.unread!]!.omit?.pass).toBe("eliminate_dead");
    expect(ir.nodes[ir.byId.shout!]!.omit).toBeUndefined();
  });

  it("is scheduled and executed by the scheduler and the inline executor", async () => {
    const ir = compile(valid(workflow("hello {{ input.name }}")), { kinds });
    const run = await drive(ir, { input: { name: "ada" }, kinds });
    expect(run.status).toBe("completed");
    expect(run.statuses).toMatchObject({
      shout: "succeeded",
      unread: "skipped",
      done: "succeeded",
    });
    expect(run.outputs.done).toBe("HELLO ADA!");

    // Compiled and run with the platform's kinds it is an unknown type: skipped, the run goes on.
    const plain = await drive(compile(valid(workflow("hello")), { optimise: false }));
    expect(plain.statuses.shout).toBe("skipped");
    expect(plain.outputs.done).toBeNull();
  });

  it("is listed in the builder's node catalogue (GET /api/node-types) of its registry", () => {
    const listed = describeKinds(kinds).find((k) => k.type === "uppercase");
    expect(listed).toMatchObject({
      title: "Uppercase",
      execution: "inline",
      defaults: { timeoutMs: 2_000 },
      configSchema: { properties: { text: { type: "string" }, suffix: { default: "!" } } },
    });
    expect(describeKinds().some((k) => k.type === "uppercase")).toBe(false);
  });

  it("refuses a registry that declares a type twice", () => {
    expect(() => createKindRegistry([...BUILTIN_KINDS, { ...uppercase, type: "http" }])).toThrow(
      'kind "http" is declared twice',
    );
  });
});
