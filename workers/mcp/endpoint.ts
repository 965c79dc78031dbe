import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { authenticate } from "../api/auth";
import { onError } from "../api/errors";
import { MAX_BODY_BYTES } from "../api/limits";
import { requireSameOrigin } from "../api/session";
import type { AppEnv } from "../api/types";
import { mcpServer } from "./server";

/** Where MCP clients connect (Streamable HTTP). */
export const MCP_PATH = "/mcp";

/**
 * MCP's rule against DNS rebinding: a request a browser sends from a page of another origin is
 * refused (403). MCP clients send no `Origin`.
 */
const sameOrigin = createMiddleware<AppEnv>(async (c, next) => {
  requireSameOrigin(c, `a request to ${MCP_PATH}`);
  await next();
});

/**
 * `/mcp`: aob as an MCP server (docs/MCP.md), authenticated like the API (the same keys, the
 * same scopes: a request without a key is 401 before any MCP message is read). Stateless: each
 * POST gets its own server and transport and a JSON answer, so any isolate serves any request
 * and nothing is kept between them. There is no stream to GET and no session to DELETE (405).
 */
export const mcp = new Hono<AppEnv>()
  .use(MCP_PATH, sameOrigin, authenticate)
  .post(MCP_PATH, async (c) => {
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
      maxRequestBodySize: MAX_BODY_BYTES,
    });
    await mcpServer(c).connect(transport);
    return transport.handleRequest(c.req.raw);
  })
  .all(MCP_PATH, (c) =>
    c.json(
      {
        error: {
          code: "bad_request",
          message: `${c.req.method} ${MCP_PATH}: this MCP server is stateless (no stream, no session): POST JSON-RPC messages`,
        },
      },
      405,
      { Allow: "POST" },
    ),
  )
  .onError(onError);
