import { describe, expect, it } from "vitest";
import { schemaIssues } from "../wire/schema-issues";
import type { WorkflowDefinitionInput } from "./definition";
import { formatPath } from "./issues";
import { runInputIssues, toolInputSchema } from "./tool";
import { validateWorkflow } from "./validate";

const ticket = {
  type: "object",
  properties: { title: { type: "string" }, priority: { type: "integer", minimum: 1 } },
  required: ["title"],
};

function exposed(inputSchema?: Record<string, unknown>): WorkflowDefinitionInput {
  return {
    name: "Triage",
    exposeAsTool: true,
    nodes: [
      { id: "start", type: "start", config: inputSchema ? { inputSchema } : {} },
      { id: "done", type: "end" },
    ],
    edges: [{ from: "start", to: "done" }],
  };
}

function valid(definition: WorkflowDefinitionInput) {
  const result = validateWorkflow(definition);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.definition;
}

describe("a workflow exposed as a tool", () => {
  it("takes its start node's input schema as the tool's arguments, or any object", () => {
    expect(toolInputSchema(valid(exposed(ticket)))).toEqual(ticket);
    expect(toolInputSchema(valid(exposed()))).toEqual({ type: "object" });
    expect(toolInputSchema(valid({ ...exposed(ticket), exposeAsTool: false }))).toBeNull();
    expect(toolInputSchema(valid({ ...exposed(ticket), exposeAsTool: undefined }))).toBeNull();
  });

  it("refuses an input schema that is not an object's, at its type", () => {
    const result = validateWorkflow(exposed({ type: "string" }));
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors.map((e) => [formatPath(e.path), e.code])).toEqual([
      ["nodes[0].config.inputSchema.type", "invalid_config"],
    ]);
    expect(errors[0]?.message).toContain('"type": "object"');
    // Not exposed, any input schema is fine.
    expect(validateWorkflow({ ...exposed({ type: "string" }), exposeAsTool: false }).ok).toBe(true);
  });

  it("refuses a value for exposeAsTool that is not a boolean", () => {
    const result = validateWorkflow({ ...exposed(), exposeAsTool: "yes" });
    expect(result.ok ? [] : result.errors.map((e) => formatPath(e.path))).toEqual(["exposeAsTool"]);
  });
});

describe("schemaIssues", () => {
  it("answers every problem of a value at its path, and none for a value that conforms", () => {
    expect(schemaIssues(ticket, { title: "Printer on fire", priority: 2 })).toEqual([]);
    const issues = schemaIssues(ticket, { priority: 0, tags: [] });
    expect(issues.map((i) => formatPath(i.path)).sort()).toEqual(["(root)", "priority"]);
    expect(issues.find((i) => i.path.length === 0)?.message).toContain('"title"');
    const nested = schemaIssues(
      { type: "object", properties: { items: { type: "array", items: { type: "number" } } } },
      { items: [1, "two"] },
    );
    expect(nested.map((i) => formatPath(i.path))).toContain("items[1]");
  });
});

describe("a run input against the start node's inputSchema", () => {
  const at = (input: unknown, schema?: Record<string, unknown>) =>
    runInputIssues(valid(exposed(schema)), input).map((i) => [formatPath(i.path), i.code]);

  it("names each problem at its path under input", () => {
    expect(at({ title: "Printer on fire", priority: 2 }, ticket)).toEqual([]);
    expect(at({ priority: 0 }, ticket)).toEqual([
      ["input", "invalid_input"],
      ["input.priority", "invalid_input"],
    ]);
    expect(at(null, ticket)).toEqual([["input", "invalid_input"]]);
  });

  it("takes any input when the workflow declares no schema", () => {
    expect(at(null)).toEqual([]);
    expect(at({ anything: [1, 2] })).toEqual([]);
  });

  it("refuses every input, saying why, when the schema cannot be used", () => {
    const issues = runInputIssues(valid(exposed({ type: "object", $ref: "#/$defs/missing" })), {});
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: ["input"], code: "invalid_input" });
    expect(issues[0]!.message).toMatch(/^the schema cannot be used: Unresolved \$ref/);
  });
});
