import type { AgentTool } from "../kinds/agent";
import { type HttpTool, MAX_TOOL_SCHEMA_CHARS, type McpUse } from "../kinds/agent-tools";
import { mcpFunctionName } from "./tool-names";
import { type ToolDefinition, toolDefinitions } from "./tools";

/** An MCP tool as its server lists it: untrusted, so bounded before the model sees it. */
export interface ListedTool {
  name: string;
  description?: string | undefined;
  inputSchema: Record<string, unknown>;
}

/** What one MCP server offers a node: its registration's allowed tools and what it listed. */
export interface McpListing {
  use: McpUse;
  /** The registration's allowed tools; null = every tool the server lists. */
  allowedTools: readonly string[] | null;
  tools: readonly ListedTool[];
}

/** Where a call by a function name goes. */
export type ToolRoute =
  | { source: "builtin"; tool: AgentTool }
  | { source: "http"; index: number }
  | { source: "mcp"; server: string; tool: string };

/** An MCP tool the model is not offered, and why (shown in the node's run events). */
export interface Withheld {
  server: string;
  tool: string;
  reason: string;
}

export interface ToolOffer {
  definitions: ToolDefinition[];
  routes: ReadonlyMap<string, ToolRoute>;
  withheld: Withheld[];
}

/** MCP tools one agent is offered at most (the chat-completions API takes 128 tools in all). */
export const MAX_MCP_TOOLS = 64;
/** An MCP tool's description, cut to this many characters. */
export const MAX_TOOL_DESCRIPTION = 1024;

/**
 * The tools an agent offers its model, in a fixed order (built-in, then the node's custom http
 * tools, then each MCP server's tools by name), and where each function name leads. An MCP tool
 * is offered only when its server's registration allows it and the node did not narrow it out;
 * one whose schema is not an object schema or is too large is withheld, as are tools past
 * {@link MAX_MCP_TOOLS}. A name not in `routes` is not offered: a call to it is refused.
 * @example
 * offerTools({ tools: [], httpTools: [] }, [{ use: { server: "gh" }, allowedTools: null,
 *   tools: [{ name: "search", inputSchema: { type: "object" } }] }]).routes.get("gh__search");
 * // { source: "mcp", server: "gh", tool: "search" }
 */
export function offerTools(
  config: { tools: readonly AgentTool[]; httpTools: readonly HttpTool[] },
  listings: readonly McpListing[],
): ToolOffer {
  const definitions = [...toolDefinitions(config.tools)];
  const routes = new Map<string, ToolRoute>();
  for (const d of definitions)
    routes.set(d.function.name, { source: "builtin", tool: d.function.name as AgentTool });
  config.httpTools.forEach((tool, index) => {
    definitions.push({
      type: "function",
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    });
    routes.set(tool.name, { source: "http", index });
  });
  const withheld: Withheld[] = [];
  let mcpOffered = 0;
  for (const { use, allowedTools, tools } of listings) {
    const sorted = [...tools].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const tool of sorted) {
      const refused = refusal(tool, use, allowedTools, mcpOffered);
      if (refused === "not allowed") continue;
      if (refused) {
        withheld.push({ server: use.server, tool: tool.name.slice(0, 128), reason: refused });
        continue;
      }
      const name = mcpFunctionName(use.server, tool.name, new Set(routes.keys()));
      const { $schema: _dialect, ...parameters } = tool.inputSchema;
      definitions.push({
        type: "function",
        function: {
          name,
          description: bounded(tool.description ?? `${tool.name} (MCP server ${use.server})`),
          parameters,
        },
      });
      routes.set(name, { source: "mcp", server: use.server, tool: tool.name });
      mcpOffered++;
    }
    const listed = new Set(tools.map((t) => t.name));
    for (const missing of (use.tools ?? []).filter((t) => !listed.has(t))) {
      withheld.push({ server: use.server, tool: missing, reason: "the server does not list it" });
    }
  }
  return { definitions, routes, withheld };
}

function refusal(
  tool: ListedTool,
  use: McpUse,
  allowedTools: readonly string[] | null,
  offered: number,
): string | null {
  if (allowedTools && !allowedTools.includes(tool.name)) return "not allowed";
  if (use.tools && !use.tools.includes(tool.name)) return "not allowed";
  if (tool.inputSchema.type !== "object") return 'its input schema is not of type "object"';
  if (JSON.stringify(tool.inputSchema).length > MAX_TOOL_SCHEMA_CHARS) {
    return `its input schema is over ${MAX_TOOL_SCHEMA_CHARS} characters of JSON`;
  }
  if (offered >= MAX_MCP_TOOLS) {
    return `an agent is offered at most ${MAX_MCP_TOOLS} MCP tools: narrow the node's tools`;
  }
  return null;
}

function bounded(text: string): string {
  return text.length > MAX_TOOL_DESCRIPTION ? `${text.slice(0, MAX_TOOL_DESCRIPTION)}…` : text;
}
