import { z } from "@hono/zod-openapi";
import { McpToolName, McpServerName as Name } from "../../../core/kinds/agent-tools";
import { Timestamp } from "./time";

export const McpServerName = Name;

const Tools = z.array(McpToolName).max(256);

/** `PUT /api/mcp-servers/{name}`. */
export const McpServerBody = z
  .strictObject({
    url: z.url().max(2000).openapi({
      description:
        "The server's Streamable HTTP endpoint (http or https, no credentials in it); checked by the SSRF guard here and on every connection",
      example: "https://mcp.example.com/mcp",
    }),
    headers: z
      .record(z.string(), z.string().max(8192))
      .default({})
      .openapi({
        description:
          "Sent with every request to the server. A credential is written as a secret reference, `{{ secrets.NAME }}`, resolved only when an agent connects and sent only to the secret's allowed hosts; a credential in plain text is refused",
        example: { authorization: "Bearer {{ secrets.GITHUB_TOKEN }}" },
      }),
    allowedTools: Tools.nullable()
      .default(null)
      .openapi({
        description:
          "The tools agents may use; `null` (the default): every tool the server lists. An agent is never offered any other",
        example: ["search_issues", "create_issue"],
      }),
    effects: Tools.default([]).openapi({
      description:
        "The tools that change something (create, send, delete): an agent that may call one never has its answer reused by the semantic cache",
      example: ["create_issue"],
    }),
  })
  .openapi("McpServerBody");

export const McpServer = z
  .object({
    name: z.string(),
    url: z.string(),
    host: z.string().openapi({ description: "The URL's host" }),
    headers: z.record(z.string(), z.string()).openapi({
      description: "As written: secrets appear as `{{ secrets.NAME }}`, never their values",
    }),
    secrets: z.array(z.string()).openapi({ description: "The secrets the headers name" }),
    allowedTools: z.array(z.string()).nullable(),
    effects: z.array(z.string()),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi("McpServer");

export const McpServerList = z.object({ servers: z.array(McpServer) }).openapi("McpServerList");
