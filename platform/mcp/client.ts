import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker";
import type { ListedTool } from "../../core/agents/offer";
import { NonRetryableError } from "../../core/errors";
import { HttpFetchError } from "../../core/net";
import { redactSecrets } from "../../core/secrets/redact";
import {
  injectSecrets,
  newSecretNonce,
  plannedNames,
  protectSecretRefs,
} from "../../core/secrets/refs";
import type { McpServerRow } from "../../db/mcp-servers";
import { streamFetchFor } from "../fetch";
import { carried } from "../http-executor";
import { loadSecrets } from "../secrets";

/** The most bytes one answer of an MCP server may have (a listing, a tool's result). */
export const MAX_MCP_RESPONSE_BYTES = 4 * 1024 * 1024;
/** Pages of `tools/list` read at most, and tools kept at most. */
const MAX_PAGES = 10;
const MAX_LISTED = 500;

/** A connection to one MCP server for one agent execution. */
export interface McpSession {
  readonly server: string;
  /** What the server listed (every page, at most 500 tools): read once per execution. */
  readonly tools: readonly ListedTool[];
  /** Calls a tool; the SDK's result, redacted of the secrets the headers carry. */
  call(tool: string, args: Record<string, unknown>, within: Within): Promise<unknown>;
  /** Ends the connection: a request in flight is aborted. */
  close(): Promise<void>;
}

/** The time and the cancel one request is bounded by. */
export interface Within {
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * Connects to a tenant's MCP server over Streamable HTTP with the official SDK, every request
 * through the SSRF-guarded fetch (the transport's `fetch`), and lists its tools. The headers'
 * secret references are resolved here, at the last moment, and each is checked against its
 * allowed hosts before every request; a node an agent's patch wrote (`mayUseSecrets` false)
 * may not use a server whose headers carry one. The optional server-initiated stream (GET) is
 * not opened: the runner takes answers to its own requests only. Answers are capped at
 * {@link MAX_MCP_RESPONSE_BYTES}. Errors name the server, never a secret's value.
 */
export async function openMcp(
  env: Env,
  server: McpServerRow,
  options: { tenantId: string; mayUseSecrets: boolean } & Within,
): Promise<McpSession> {
  const { config, plan } = protectSecretRefs({ headers: server.headers }, newSecretNonce());
  if (plan.fields.length > 0 && !options.mayUseSecrets) {
    throw new NonRetryableError(
      "secret_not_declared",
      `MCP server "${server.name}" sends secrets in its headers, and this node was written by an agent's patch: such a node resolves no secret`,
    );
  }
  const loaded = await loadSecrets(env, options.tenantId, plannedNames(plan));
  const values = Object.fromEntries(Object.entries(loaded).map(([k, s]) => [k, s.value]));
  let resolved: ReturnType<typeof injectSecrets<typeof config>>;
  try {
    resolved = injectSecrets(config, plan, values);
  } catch (err) {
    // A secret deleted since the server was registered: named, with the server.
    throw mcpError(server, err, values);
  }
  const { config: real, placements } = resolved;
  const guarded = streamFetchFor(env, carried(placements, loaded));
  const fetch: FetchLike = async (url, init) => {
    if ((init?.method ?? "GET").toUpperCase() === "GET") return new Response(null, { status: 405 });
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(real.headers)) headers.set(name, value);
    return capped(await guarded(String(url), { ...init, headers }), MAX_MCP_RESPONSE_BYTES);
  };
  const transport = new StreamableHTTPClientTransport(new URL(server.url), {
    fetch,
    reconnectionOptions: {
      maxRetries: 0,
      initialReconnectionDelay: 1000,
      maxReconnectionDelay: 1000,
      reconnectionDelayGrowFactor: 1,
    },
  });
  const client = new Client(
    { name: "aob", version: "1" },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  const fail = (err: unknown) => mcpError(server, err, values);
  const request = (within: Within) => ({
    signal: within.signal,
    timeout: within.timeoutMs,
    maxTotalTimeout: within.timeoutMs,
  });
  const tools: ListedTool[] = [];
  const cut = () => void client.close().catch(() => undefined);
  options.signal.addEventListener("abort", cut, { once: true });
  try {
    await client.connect(transport, request(options));
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES && tools.length < MAX_LISTED; page++) {
      const listed = await client.listTools(cursor ? { cursor } : {}, request(options));
      for (const t of listed.tools.slice(0, MAX_LISTED - tools.length)) {
        tools.push({ name: t.name, description: t.description, inputSchema: t.inputSchema });
      }
      cursor = listed.nextCursor;
      if (!cursor) break;
    }
  } catch (err) {
    await client.close().catch(() => undefined);
    throw fail(err);
  } finally {
    options.signal.removeEventListener("abort", cut);
  }
  return {
    server: server.name,
    tools,
    async call(tool, args, within) {
      // Closing cuts the request in flight: the SDK's own cancel only stops waiting for it.
      within.signal.addEventListener("abort", cut, { once: true });
      try {
        const result = await client.callTool(
          { name: tool, arguments: args },
          undefined,
          request(within),
        );
        return redactSecrets(result, values);
      } catch (err) {
        throw fail(err);
      } finally {
        within.signal.removeEventListener("abort", cut);
      }
    },
    close: () => client.close().catch(() => undefined),
  };
}

/** A response whose body errors past `max` bytes, so no answer is read whole beyond it. */
function capped(response: Response, max: number): Response {
  if (!response.body) return response;
  let seen = 0;
  const limit = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > max) {
        controller.error(
          new HttpFetchError("response_too_large", `the MCP server's answer is over ${max} bytes`),
        );
        return;
      }
      controller.enqueue(chunk);
    },
  });
  return new Response(response.body.pipeThrough(limit), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/**
 * What went wrong with a server, as a node error that names it: the guard's refusals keep their
 * code (`ssrf_blocked`, `secret_host_not_allowed`); a refusal of the credentials, or a protocol
 * error, is final; a server that is down or slow may pass on another attempt.
 */
export function mcpError(
  server: Pick<McpServerRow, "name" | "url">,
  err: unknown,
  values: Record<string, string> = {},
): Error & { code: string; retryable: boolean } {
  const where = `MCP server "${server.name}" (${new URL(server.url).origin})`;
  const found = err instanceof HttpFetchError ? err : causeOf(err);
  let code = "mcp_error";
  let retryable = true;
  let message = err instanceof Error ? err.message : String(err);
  if (found) {
    ({ code, retryable, message } = found);
  } else if (err instanceof StreamableHTTPError) {
    const status = err.code ?? 0;
    retryable = status === 0 || status === 408 || status === 429 || status >= 500;
    code = status === 401 || status === 403 ? "mcp_unauthorized" : "mcp_http_error";
  } else if (err instanceof McpError) {
    code = err.code === -32001 ? "timeout" : "mcp_protocol_error";
    retryable = err.code === -32001;
  } else if (err instanceof NonRetryableError) {
    ({ code, message } = err);
    retryable = false;
  }
  return Object.assign(new Error(redactSecrets(`${where}: ${message}`, values)), {
    code,
    retryable,
  });
}

function causeOf(err: unknown): HttpFetchError | null {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof HttpFetchError) return e;
  }
  return null;
}
