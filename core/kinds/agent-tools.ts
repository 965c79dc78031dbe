import { z } from "zod";

/**
 * The tools an agent node brings besides the built-in ones (docs/AGENTS.md): tools of the
 * tenant's MCP servers (`mcp`), and custom http tools declared on the node (`httpTools`).
 */

/** A registered MCP server's name: how nodes name it, and the prefix of its tools' names. */
export const MCP_SERVER_NAME = /^[A-Za-z][A-Za-z0-9-]{0,31}$/;
const MCP_SERVER_RULE = "an MCP server name is 1-32 letters, digits and -, starting with a letter";

export const McpServerName = z.string().regex(MCP_SERVER_NAME, MCP_SERVER_RULE);

/** A tool's name as an MCP server lists it (the MCP specification's characters). */
export const McpToolName = z
  .string()
  .regex(
    /^[A-Za-z0-9_./-]{1,128}$/,
    "an MCP tool name is 1-128 letters, digits and the characters _ . / -",
  );

/** One MCP server an agent may use, and which of its tools (all it allows, when absent). */
export const McpUse = z.strictObject({
  server: McpServerName,
  /** Narrows the server's allowed tools for this node; absent = every tool the server allows. */
  tools: z.array(McpToolName).min(1).max(128).optional(),
});
export type McpUse = z.infer<typeof McpUse>;

/** Names the built-in tools take: a custom tool may not take one. */
const BUILT_IN = new Set(["http_request", "get_workflow", "patch_workflow"]);
/** What a chat-completions function name may be; `__` is kept for MCP tools (`server__tool`). */
const HTTP_TOOL_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** The largest JSON Schema of a custom tool's parameters, in characters of JSON. */
export const MAX_TOOL_SCHEMA_CHARS = 16_384;

/** Roots of the run's context: a custom tool's templates see only `args` (and secrets). */
const RUN_ROOTS = /(?<![\w$.`])(input|nodes|run|item|index|secrets)(?![\w`])/;
const TEMPLATE = /\{\{([\s\S]*?)\}\}/g;
const SECRET_REF = /^\s*secrets\.[A-Za-z_][A-Za-z0-9_]{0,63}\s*$/;
const STRINGS = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;

/** Templates of a request that read the run's context, with their paths (they render as nothing). */
function runReads(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === "string") {
    const reads = [...value.matchAll(TEMPLATE)].some((m) => {
      const source = m[1] ?? "";
      return !SECRET_REF.test(source) && RUN_ROOTS.test(source.replace(STRINGS, '""'));
    });
    return reads ? [path] : [];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => runReads(v, [...path, i]));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => runReads(v, [...path, k]));
  }
  return [];
}

/**
 * The request a custom http tool sends: an http node's request, rendered when the model calls
 * the tool, with the model's arguments as `{{ args.x }}` and secrets as `{{ secrets.NAME }}`.
 */
export const HttpToolRequest = z
  .strictObject({
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).default("GET"),
    url: z.string().min(1).max(8192),
    headers: z.record(z.string(), z.string()).optional(),
    query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    body: z.unknown().optional(),
  })
  .superRefine((request, ctx) => {
    for (const path of runReads(request)) {
      ctx.addIssue({
        code: "custom",
        path,
        message:
          "a custom tool's templates see only args (the model's arguments) and {{ secrets.NAME }} written on its own; input, nodes and run are not available when the model calls the tool",
      });
    }
  });
export type HttpToolRequest = z.infer<typeof HttpToolRequest>;

/** A custom http tool: what the model is told, what it may pass, and the request it causes. */
export const HttpTool = z.strictObject({
  name: z
    .string()
    .regex(HTTP_TOOL_NAME, "a tool name is 1-64 letters, digits, _ and -, starting with a letter")
    .refine((n) => !n.includes("__"), "a custom tool name may not contain __ (MCP tools use it)")
    .refine((n) => !BUILT_IN.has(n), "this name is a built-in tool's"),
  description: z.string().min(1).max(1024),
  /** JSON Schema of the arguments (an object schema); the model's arguments are checked against it. */
  parameters: z
    .record(z.string(), z.unknown())
    .refine((s) => s.type === "object", 'the parameters schema must have type "object"')
    .refine(
      (s) => JSON.stringify(s).length <= MAX_TOOL_SCHEMA_CHARS,
      `the parameters schema may have at most ${MAX_TOOL_SCHEMA_CHARS} characters of JSON`,
    )
    .default({ type: "object", properties: {}, additionalProperties: false }),
  request: HttpToolRequest,
  /**
   * Whether calling it changes something (creates, sends, deletes). A tool with effects turns
   * the node's semantic cache off: a reused answer would skip the effect.
   */
  effects: z.boolean().default(false),
});
export type HttpTool = z.infer<typeof HttpTool>;

/** `config.mcp`: each server once. */
export const McpUses = z
  .array(McpUse)
  .max(10)
  .superRefine((uses, ctx) => {
    const seen = new Set<string>();
    uses.forEach((use, i) => {
      if (seen.has(use.server)) {
        ctx.addIssue({
          code: "custom",
          path: [i, "server"],
          message: "this server is listed twice",
        });
      }
      seen.add(use.server);
    });
  });

/** `config.httpTools`: each name once. */
export const HttpTools = z
  .array(HttpTool)
  .max(16)
  .superRefine((tools, ctx) => {
    const seen = new Set<string>();
    tools.forEach((tool, i) => {
      if (seen.has(tool.name)) {
        ctx.addIssue({ code: "custom", path: [i, "name"], message: "another tool has this name" });
      }
      seen.add(tool.name);
    });
  });
