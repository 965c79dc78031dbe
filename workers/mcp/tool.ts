import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Context } from "hono";
import { z } from "zod";
import type { Scope } from "../../core/people/roles";
import type { AppEnv } from "../api/types";

/**
 * One of the MCP server's own tools: its name, what it tells the model, the scopes a request
 * needs to see and call it (all of them; `admin` passes all), its arguments (a zod object:
 * validated on every call, and its JSON Schema is the tool's `inputSchema`), and what it does,
 * as the request's key, through the API's services.
 */
export interface BuiltinTool<A extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  scopes: readonly Scope[];
  args: A;
  /** Read-only tools only read; the others change something (MCP's annotations). */
  readOnly: boolean;
  call(c: Context<AppEnv>, args: z.output<A>): Promise<CallToolResult>;
}

/** Declares a tool, its arguments' type inferred from its schema. */
export function builtinTool<A extends z.ZodObject>(tool: BuiltinTool<A>): BuiltinTool {
  return tool;
}

/** The tool as `tools/list` shows it. */
export function listed(tool: BuiltinTool): Tool {
  const { $schema: _, ...schema }: Record<string, unknown> = z.toJSONSchema(tool.args, {
    io: "input",
    unrepresentable: "any",
  });
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: { ...schema, type: "object" },
    annotations: { readOnlyHint: tool.readOnly, openWorldHint: false },
  };
}
