import { z } from "zod";
import type { AgentTool } from "../kinds/agent";
import { Patch } from "../patches/ops";

/** A tool as the chat-completions API takes it. */
export interface ToolDefinition {
  type: "function";
  function: { name: string; description: string; parameters: Record<string, unknown> };
}

export const HttpRequestArgs = z.strictObject({
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).default("GET"),
  url: z.string().min(1).max(8192),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
});

const DEFINITIONS: Record<AgentTool, () => ToolDefinition["function"]> = {
  http_request: () => ({
    name: "http_request",
    description:
      "Makes an HTTP request to a public API and returns { status, headers, body } (JSON bodies parsed, long bodies truncated). Private and internal addresses are refused.",
    parameters: z.toJSONSchema(HttpRequestArgs, { io: "input" }) as Record<string, unknown>,
  }),
  get_workflow: () => ({
    name: "get_workflow",
    description:
      "Returns the workflow graph this run is executing now (base definition plus accepted patches) and each node's status.",
    parameters: { type: "object", properties: {}, additionalProperties: false },
  }),
  patch_workflow: () => ({
    name: "patch_workflow",
    description:
      "Changes the running workflow: add nodes and edges, remove edges that have not fired, update nodes that have not started. Returns applied, or the problems to fix (each with the path of what is wrong).",
    parameters: z.toJSONSchema(Patch, { io: "input", unrepresentable: "any" }) as Record<
      string,
      unknown
    >,
  }),
};

const cache = new Map<AgentTool, ToolDefinition>();

/** The definitions of the tools a node enables, in a fixed order (stable, for prompt caching). */
export function toolDefinitions(tools: readonly AgentTool[]): ToolDefinition[] {
  const order: AgentTool[] = ["get_workflow", "patch_workflow", "http_request"];
  return order
    .filter((t) => tools.includes(t))
    .map((t) => {
      let def = cache.get(t);
      if (!def) {
        def = { type: "function", function: DEFINITIONS[t]() };
        cache.set(t, def);
      }
      return def;
    });
}
