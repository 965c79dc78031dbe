import { z } from "@hono/zod-openapi";
import { mcpHeaderProblems, mcpHeaderSecrets } from "../../../core/agents/mcp-server";
import { checkUrl } from "../../../core/net";
import { formatPath } from "../../../core/workflow/issues";
import {
  deleteMcpServer,
  findMcpServers,
  listMcpServers,
  MAX_MCP_SERVERS,
  type McpServerRow,
  putMcpServer,
} from "../../../db/mcp-servers";
import { allowlistOf } from "../../../platform/fetch";
import { audit } from "../audit";
import { ApiError, notFound } from "../errors";
import * as example from "../examples/mcp-servers";
import { apiRoute, routes } from "../route";
import { errors, json, jsonBody } from "../schemas/error";
import { McpServer, McpServerBody, McpServerList, McpServerName } from "../schemas/mcp-server";
import { headerSecretProblems } from "../services/header-secrets";

const tags = ["mcp-servers"];
const Name = z.object({ name: McpServerName });

type Problem = { path: (string | number)[]; code: string; message: string };

function view(row: McpServerRow): z.infer<typeof McpServer> {
  return {
    name: row.name,
    url: row.url,
    host: new URL(row.url).host,
    headers: row.headers,
    secrets: [...new Set(mcpHeaderSecrets(row.headers).map((s) => s.name))],
    allowedTools: row.allowedTools,
    effects: row.effects,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function refuse(problems: Problem[]): never {
  const shown = problems.map((p) => ({ ...p, at: formatPath(p.path) }));
  const first = shown[0]!;
  throw new ApiError(
    400,
    "validation_failed",
    `${first.at}: ${first.message}${shown.length > 1 ? ` (and ${shown.length - 1} more)` : ""}`,
    { errors: shown },
  );
}

/** The URL's problems: not http(s), credentials in it, or an address the SSRF guard refuses. */
function urlProblems(url: URL, env: Pick<Env, "AOB_HTTP_ALLOWLIST">): Problem[] {
  const path = ["url"];
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return [{ path, code: "invalid_url", message: "an MCP server is reached over http or https" }];
  }
  if (url.username !== "" || url.password !== "") {
    return [
      {
        path,
        code: "invalid_url",
        message: "no credentials in the URL: send them as a header holding {{ secrets.NAME }}",
      },
    ];
  }
  if (url.href.includes("%7B%7B") || url.href.includes("{{")) {
    return [{ path, code: "invalid_url", message: "the URL takes no templates or secrets" }];
  }
  const policy = checkUrl(url, allowlistOf(env));
  return policy.ok ? [] : [{ path, code: policy.code, message: policy.message }];
}

/**
 * A tenant's MCP servers (docs/AGENTS.md): agents use their tools by the server's name. The URL
 * is checked by the SSRF guard when saved and on every connection; headers hold secrets only as
 * references.
 */
export const mcpServerRoutes = routes()
  .openapi(
    apiRoute("edit", {
      method: "put",
      path: "/mcp-servers/{name}",
      operationId: "setMcpServer",
      summary: "Register an MCP server (Streamable HTTP), or replace one",
      description:
        "Agent nodes name it in `config.mcp` and are offered its allowed tools as `<name>__<tool>`. Refused with the path of each problem: a URL the SSRF guard refuses, a header the transport sets itself, a credential in plain text, a secret the tenant does not have or whose `allowedHosts` exclude the server's host.",
      tags,
      request: {
        params: Name,
        body: jsonBody(McpServerBody, example.setMcpServer),
      },
      responses: {
        200: json(McpServer, "The server", example.mcpServer),
        ...errors(400, 409, 413),
      },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const body = c.req.valid("json");
      const tenantId = c.get("tenantId");
      const url = new URL(body.url);
      const shape = [
        ...urlProblems(url, c.env),
        ...mcpHeaderProblems(body.headers).map((p) => ({ ...p, code: "invalid_header" })),
      ];
      if (shape.length > 0) refuse(shape);
      const secrets = await headerSecretProblems(c.env.DB, tenantId, body.headers, url.hostname);
      if (secrets.length > 0) refuse(secrets);
      const existing = await listMcpServers(c.env.DB, tenantId);
      const before = existing.find((s) => s.name === name);
      if (!before && existing.length >= MAX_MCP_SERVERS) {
        throw new ApiError(409, "conflict", `a tenant has at most ${MAX_MCP_SERVERS} MCP servers`);
      }
      const now = Date.now();
      const row = await putMcpServer(c.env.DB, tenantId, {
        name,
        url: url.href,
        headers: body.headers,
        allowedTools: body.allowedTools,
        effects: body.effects,
        createdAt: before?.createdAt ?? now,
        updatedAt: now,
      });
      await audit(
        c,
        "mcp_server.put",
        { type: "mcp_server", id: name },
        {
          host: url.host,
          headers: Object.keys(body.headers),
          allowedTools: body.allowedTools,
          effects: body.effects,
        },
      );
      return c.json(view(row), 200);
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/mcp-servers",
      operationId: "listMcpServers",
      summary: "The tenant's MCP servers",
      tags,
      responses: { 200: json(McpServerList, "The servers, by name", example.mcpServers) },
    }),
    async (c) => {
      const rows = await listMcpServers(c.env.DB, c.get("tenantId"));
      return c.json({ servers: rows.map(view) }, 200);
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/mcp-servers/{name}",
      operationId: "getMcpServer",
      summary: "One MCP server",
      tags,
      request: { params: Name },
      responses: { 200: json(McpServer, "The server", example.mcpServer), ...errors(400, 404) },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      const [row] = await findMcpServers(c.env.DB, c.get("tenantId"), [name]);
      if (!row) throw notFound(`MCP server ${name}`);
      return c.json(view(row), 200);
    },
  )
  .openapi(
    apiRoute("edit", {
      method: "delete",
      path: "/mcp-servers/{name}",
      operationId: "deleteMcpServer",
      summary: "Remove an MCP server",
      description:
        "Agents that name it fail when they start (`mcp_server_not_found`), until it is registered again.",
      tags,
      request: { params: Name },
      responses: { 204: { description: "Removed" }, ...errors(400, 404) },
    }),
    async (c) => {
      const { name } = c.req.valid("param");
      if (!(await deleteMcpServer(c.env.DB, c.get("tenantId"), name))) {
        throw notFound(`MCP server ${name}`);
      }
      await audit(c, "mcp_server.delete", { type: "mcp_server", id: name });
      return c.body(null, 204);
    },
  );
