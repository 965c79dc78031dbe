import { type OpenAPIHono, z } from "@hono/zod-openapi";
import * as example from "./examples/platform";
import { BEARER, publicRoute, routes, SESSION } from "./route";
import { OPERATOR } from "./routes/metrics";
import { json } from "./schemas/error";
import { SESSION_COOKIE } from "./session";
import type { AppEnv } from "./types";

type Document = ReturnType<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>;

/** What the document is made from: the app's registry of routes and schemas. */
export interface DocumentSource {
  getOpenAPI31Document: OpenAPIHono<AppEnv>["getOpenAPI31Document"];
}

const OpenApiDocument = z
  .object({
    openapi: z.string(),
    info: z.object({ title: z.string(), version: z.string() }).loose(),
    paths: z.record(z.string(), z.unknown()),
  })
  .loose()
  .openapi({ description: "An OpenAPI 3.1 document" });
type OpenApiDocument = z.infer<typeof OpenApiDocument>;

const DESCRIPTION = `The aob REST API: workflows, runs, approvals, triggers, keys and secrets.

Authenticate with \`Authorization: Bearer <api key>\`; each operation names the scope its key
needs (\`admin\` passes all). Errors are \`{ "error": { "code", "message", "details"? } }\`;
validation refusals list each problem in \`details.errors\` with its JSON path.

Generated from the zod schemas that validate the requests.`;

let cached: { version: string; document: Document } | undefined;

/**
 * The document of every route in `source`, built once per isolate (the routes do not change
 * while it runs). Server URLs are relative, so it is right wherever it is served.
 */
export function openApiDocument(source: DocumentSource, version: string): Document {
  if (cached?.version !== version) {
    const document = source.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "aob API",
        version,
        description: DESCRIPTION,
        license: { name: "Apache-2.0", url: "https://www.apache.org/licenses/LICENSE-2.0" },
      },
      servers: [{ url: "/" }],
      tags: [
        { name: "workflows", description: "Definitions, versions and validation" },
        { name: "runs", description: "Starting, watching, replaying and cancelling runs" },
        { name: "approvals", description: "Human decisions on approval nodes" },
        { name: "triggers", description: "Webhooks and cron schedules" },
        { name: "keys", description: "API keys of your tenant (admin)" },
        { name: "users", description: "The tenant's people, their roles and keys" },
        { name: "sessions", description: "Signing in and out of the web UI" },
        { name: "notifications", description: "Where approvals and failures are announced" },
        { name: "audit", description: "Who changed what through the API (admin)" },
        { name: "lifecycle", description: "Deleting runs and workflows, retention, usage" },
        { name: "secrets", description: "Write-only secrets for node config (admin)" },
        { name: "observability", description: "Figures over time and Prometheus metrics" },
        { name: "telemetry", description: "Where run traces go (OpenTelemetry)" },
        { name: "mcp-servers", description: "MCP servers whose tools agents may use" },
        { name: "platform", description: "Health and this document" },
      ],
    });
    cached = { version, document };
  }
  return cached.document;
}

/**
 * `GET /openapi.json`, public like any API reference: it describes the API, never a tenant's
 * data. `source` is read on each request because the app that serves it is also its source.
 */
export function openApiRoutes(source: () => DocumentSource) {
  const docs = routes().openapi(
    publicRoute({
      method: "get",
      path: "/openapi.json",
      operationId: "getOpenApiDocument",
      summary: "This document",
      tags: ["platform"],
      responses: {
        200: json(OpenApiDocument, "The OpenAPI 3.1 document of this API", example.openApiDocument),
      },
    }),
    (c) => {
      // Plain JSON data; openapi3-ts's type is only wider than the schema's (extensions).
      const document = openApiDocument(source(), c.env.AOB_VERSION) as OpenApiDocument;
      return c.json(document, 200);
    },
  );
  docs.openAPIRegistry.registerComponent("securitySchemes", BEARER, {
    type: "http",
    scheme: "bearer",
    description:
      "An API key of your tenant. Each operation lists the scope it needs; `admin` passes all.",
  });
  docs.openAPIRegistry.registerComponent("securitySchemes", OPERATOR, {
    type: "http",
    scheme: "bearer",
    description:
      "The operator's token (`AOB_METRICS_TOKEN`, a Worker secret): only `GET /api/metrics?scope=all`, every tenant's totals.",
  });
  docs.openAPIRegistry.registerComponent("securitySchemes", SESSION, {
    type: "apiKey",
    in: "cookie",
    name: SESSION_COOKIE,
    description: `The browser's session, from \`POST /api/sessions\` (\`__Host-${SESSION_COOKIE}\` over https). It acts with its key's scopes; a request that changes something must also carry \`X-Aob-Csrf: 1\`.`,
  });
  return docs;
}
