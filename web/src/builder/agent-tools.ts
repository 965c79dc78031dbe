import type { HttpTool, McpUse } from "../../../core/kinds/agent-tools";

/** `config.mcp` as the editor reads it: the well-formed entries of whatever the config holds. */
export function mcpUses(value: unknown): McpUse[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (u): u is McpUse =>
      typeof u === "object" && u !== null && typeof (u as McpUse).server === "string",
  );
}

/**
 * Turns one server on or off in `config.mcp`; the list is removed when it gets empty (the
 * config's default), so an untouched node stays as it was.
 * @example
 * toggleServer([{ server: "a" }], "b", true); // [{ server: "a" }, { server: "b" }]
 * toggleServer([{ server: "a" }], "a", false); // undefined
 */
export function toggleServer(
  uses: readonly McpUse[],
  server: string,
  on: boolean,
): McpUse[] | undefined {
  const next = on
    ? uses.some((u) => u.server === server)
      ? [...uses]
      : [...uses, { server }]
    : uses.filter((u) => u.server !== server);
  return next.length === 0 ? undefined : next;
}

/**
 * Narrows one server's tools (comma-separated names; empty = every tool the server allows).
 * @example
 * narrowTools([{ server: "a" }], "a", "search, list"); // [{ server: "a", tools: ["search", "list"] }]
 */
export function narrowTools(uses: readonly McpUse[], server: string, text: string): McpUse[] {
  const tools = text
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");
  return uses.map((u) =>
    u.server !== server ? u : tools.length === 0 ? { server } : { server, tools },
  );
}

/** A custom tool as the editor draws it: what the config holds, with the request's parts. */
export type ToolDraft = Partial<Omit<HttpTool, "request">> & {
  request?: Partial<HttpTool["request"]>;
};

/** `config.httpTools` as the editor reads it. */
export function httpToolsOf(value: unknown): ToolDraft[] {
  return Array.isArray(value)
    ? value.filter((t): t is ToolDraft => typeof t === "object" && t !== null)
    : [];
}

/** A new tool: a name not taken yet, a GET with one argument, for the user to change. */
export function newTool(taken: readonly ToolDraft[]): ToolDraft {
  let n = taken.length + 1;
  while (taken.some((t) => t.name === `tool_${n}`)) n++;
  return {
    name: `tool_${n}`,
    description: "What the tool does, for the model",
    parameters: {
      type: "object",
      properties: { id: { type: "string", description: "what to look up" } },
      required: ["id"],
      additionalProperties: false,
    },
    request: {
      method: "GET",
      url: "https://api.example.com/items/{{ $encodeUrlComponent(args.id) }}",
    },
    effects: false,
  };
}
