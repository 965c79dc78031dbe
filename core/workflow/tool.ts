import { KINDS, type KindRegistry } from "../kinds/registry";
import { schemaIssues } from "../wire/schema-issues";
import type { WorkflowDefinition } from "./definition";
import type { ValidationIssue } from "./issues";

/** A tool's arguments as MCP declares them: always a JSON Schema of an object. */
export type ToolInputSchema = Record<string, unknown> & { type: "object" };

/** The entry node's `inputSchema` (the run input's JSON Schema) and where it is written. */
export function declaredInput(
  definition: WorkflowDefinition,
  kinds: KindRegistry,
): { path: (string | number)[]; schema: Record<string, unknown> } | null {
  const i = definition.nodes.findIndex((n) => kinds.get(n.type)?.traits.entry);
  const schema = definition.nodes[i]?.config.inputSchema;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return null;
  return { path: ["nodes", i, "config", "inputSchema"], schema: schema as Record<string, unknown> };
}

/**
 * A workflow exposed as a tool (`exposeAsTool`) takes its tool's arguments, an object, as its
 * run input: an input schema it declares must describe an object.
 */
export function checkToolExposure(
  definition: WorkflowDefinition,
  kinds: KindRegistry = KINDS,
): ValidationIssue[] {
  if (!definition.exposeAsTool) return [];
  const input = declaredInput(definition, kinds);
  if (!input || input.schema.type === "object") return [];
  return [
    {
      path: [...input.path, "type"],
      code: "invalid_config",
      message:
        'a workflow exposed as a tool takes an object as input (an MCP tool\'s arguments are one): set "type": "object"',
      severity: "error",
    },
  ];
}

/**
 * The JSON Schema of the arguments a workflow takes as a tool: its start node's `inputSchema`,
 * or any object when it declares none; null when the workflow is not exposed as a tool.
 * @example
 * toolInputSchema({ name: "x", exposeAsTool: true, nodes: [{ id: "start", type: "start", config: {}, join: "all" }], edges: [] });
 * // { type: "object" }
 */
export function toolInputSchema(
  definition: WorkflowDefinition,
  kinds: KindRegistry = KINDS,
): ToolInputSchema | null {
  if (!definition.exposeAsTool) return null;
  const input = declaredInput(definition, kinds);
  return { ...input?.schema, type: "object" };
}

/**
 * How a run input fails the workflow's declared `inputSchema`, each problem at its path under
 * `input`; none when it conforms or the workflow declares no schema. A start through the API
 * or MCP is refused on any (nothing starts).
 * @example
 * const start = { id: "start", type: "start", config: { inputSchema: { required: ["email"] } }, join: "all" };
 * runInputIssues({ name: "x", nodes: [start], edges: [] }, {});
 * // [{ path: ["input"], code: "invalid_input", message: 'Instance does not have required property "email".', severity: "error" }]
 */
export function runInputIssues(
  definition: WorkflowDefinition,
  input: unknown,
  kinds: KindRegistry = KINDS,
): ValidationIssue[] {
  const declared = declaredInput(definition, kinds);
  if (!declared) return [];
  return schemaIssues(declared.schema, input).map((issue) => ({
    path: ["input", ...issue.path],
    code: "invalid_input",
    message: issue.message,
    severity: "error",
  }));
}
