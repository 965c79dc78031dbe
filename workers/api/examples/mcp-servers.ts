import type { z } from "@hono/zod-openapi";
import type { McpServer, McpServerBody, McpServerList } from "../schemas/mcp-server";
import { T0 } from "./ids";

type Out<T extends z.ZodType> = z.output<T>;

export const setMcpServer: z.input<typeof McpServerBody> = {
  url: "https://mcp.example.com/mcp",
  headers: { authorization: "Bearer {{ secrets.GITHUB_TOKEN }}" },
  allowedTools: ["search_issues", "create_issue"],
  effects: ["create_issue"],
};

export const mcpServer: Out<typeof McpServer> = {
  name: "github",
  url: "https://mcp.example.com/mcp",
  host: "mcp.example.com",
  headers: { authorization: "Bearer {{ secrets.GITHUB_TOKEN }}" },
  secrets: ["GITHUB_TOKEN"],
  allowedTools: ["search_issues", "create_issue"],
  effects: ["create_issue"],
  createdAt: T0 - 86_400_000,
  updatedAt: T0,
};

export const mcpServers: Out<typeof McpServerList> = { servers: [mcpServer] };
