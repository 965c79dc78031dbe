import type { IncomingMessage, ServerResponse } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

/**
 * A real MCP server (the official SDK's `McpServer` over its Streamable HTTP transport,
 * stateless: a server and a transport per request, as the SDK's stateless example does), served
 * by the fixture server under `/mcp/<name>`. Each name keeps its own record of tool calls, so
 * tests that register servers at different URLs never see each other's calls.
 *
 * Tools: `search_issues({ query })` answers two issues as text; `delete_repo({ repo })` (never
 * allowed by the tests); `fail({ reason })` answers a tool error (`isError`); `hold({ ms })`
 * answers after `ms`, and records `aborted: true` when the client goes away first.
 * `GET /mcp-calls/<name>` answers `{ calls: [{ tool, args, authorization, aborted? }] }`.
 */
interface McpCall {
  tool: string;
  args: unknown;
  authorization: string | null;
  open: boolean;
  aborted?: boolean;
}

const calls = new Map<string, McpCall[]>();

function serverFor(name: string, req: IncomingMessage, res: ServerResponse): McpServer {
  const server = new McpServer({ name: `fixture-${name}`, version: "1.0.0" });
  const record = (tool: string, args: unknown): McpCall => {
    const call: McpCall = {
      tool,
      args,
      authorization: req.headers.authorization ?? null,
      open: true,
    };
    calls.set(name, [...(calls.get(name) ?? []), call]);
    return call;
  };
  const text = (t: string) => ({ content: [{ type: "text" as const, text: t }] });
  server.registerTool(
    "search_issues",
    {
      description: "Searches the issue tracker; answers the issues that match.",
      inputSchema: { query: z.string().describe("words to look for") },
    },
    async ({ query }) => {
      const call = record("search_issues", { query });
      call.open = false;
      return text(`2 issues match "${query}": #12 printer on fire; #34 coffee machine leaks`);
    },
  );
  server.registerTool(
    "delete_repo",
    { description: "Deletes a repository.", inputSchema: { repo: z.string() } },
    async ({ repo }) => {
      const call = record("delete_repo", { repo });
      call.open = false;
      return text(`deleted ${repo}`);
    },
  );
  server.registerTool(
    "fail",
    { description: "Always fails, saying why.", inputSchema: { reason: z.string() } },
    async ({ reason }) => {
      const call = record("fail", { reason });
      call.open = false;
      return { ...text(`the tracker refused: ${reason}`), isError: true };
    },
  );
  server.registerTool(
    "hold",
    {
      description: "Answers after `ms` milliseconds.",
      inputSchema: { ms: z.number().int().min(0).max(60_000) },
    },
    async ({ ms }) => {
      const call = record("hold", { ms });
      res.on("close", () => {
        if (call.open) call.aborted = true;
        call.open = false;
      });
      await new Promise((resolve) => setTimeout(resolve, ms));
      call.open = false;
      return text(`held ${ms} ms`);
    },
  );
  return server;
}

/** `/mcp/<name>` (the MCP endpoint) and `/mcp-calls/<name>` (what it was asked). */
export async function handleMcp(
  req: IncomingMessage,
  res: ServerResponse,
  parts: string[],
  body: string,
): Promise<void> {
  const name = parts[1] ?? "default";
  if (parts[0] === "mcp-calls") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ calls: calls.get(name) ?? [] }));
    return;
  }
  if (req.method !== "POST") {
    // Stateless: no server-initiated stream (GET) and no session to end (DELETE).
    res.writeHead(405, { "content-type": "application/json" });
    res.end(
      JSON.stringify({ jsonrpc: "2.0", error: { code: -32000, message: "Method not allowed." } }),
    );
    return;
  }
  const server = serverFor(name, req, res);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on("close", () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body ? (JSON.parse(body) as unknown) : undefined);
}
