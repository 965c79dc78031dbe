import type { z } from "@hono/zod-openapi";
import { checkUrl } from "../../../core/net";
import { formatPath } from "../../../core/workflow/issues";
import { deleteOtlp, findOtlp, type OtlpRow, putOtlp } from "../../../db/telemetry";
import { allowlistOf } from "../../../platform/fetch";
import { encryptSecret } from "../../../platform/secrets";
import { OTLP_SEAL } from "../../../platform/telemetry";
import { audit } from "../audit";
import { ApiError, notFound } from "../errors";
import { apiRoute, routes } from "../route";
import { errors, type Issue, json } from "../schemas/error";
import { OTLP_EXPORT_EXAMPLE, OtlpBody, OtlpExport } from "../schemas/telemetry";
import { headerSecretProblems } from "../services/header-secrets";

const tags = ["telemetry"];

/** Headers aob sets itself on an export. */
const RESERVED = new Set([
  "content-type",
  "content-length",
  "host",
  "transfer-encoding",
  "user-agent",
]);

const view = (row: OtlpRow): z.infer<typeof OtlpExport> => ({
  host: row.host,
  headerNames: row.headerNames,
  enabled: row.enabled,
  updatedAt: row.updatedAt,
});

const issue = (path: (string | number)[], code: string, message: string): Issue => ({
  path,
  at: formatPath(path),
  code,
  message,
});

/**
 * The headers' problems: names aob sets itself or given twice, and secrets they reference that
 * the tenant does not have or that may not go to the endpoint's host.
 */
async function headerIssues(
  env: Env,
  tenantId: string,
  headers: Record<string, string>,
  endpoint: URL,
): Promise<Issue[]> {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (RESERVED.has(lower)) {
      issues.push(issue(["headers", name], "reserved_header", `aob sets ${lower} itself`));
    } else if (seen.has(lower)) {
      issues.push(issue(["headers", name], "duplicate_header", `${lower} is given twice`));
    }
    seen.add(lower);
  }
  for (const p of await headerSecretProblems(env.DB, tenantId, headers, endpoint.hostname)) {
    issues.push(issue(p.path, p.code, p.message));
  }
  return issues;
}

/**
 * Where a tenant's run traces go (docs/OBSERVABILITY.md, "Traces (OpenTelemetry)"): one
 * OTLP/HTTP endpoint, set by editors like notification channels. The endpoint and headers are
 * sealed like a secret and never shown again.
 */
export const telemetryRoutes = routes()
  .openapi(
    apiRoute("edit", {
      method: "put",
      path: "/telemetry/otlp",
      operationId: "setOtlpExport",
      summary: "Send every run's trace to an OTLP/HTTP endpoint",
      description:
        "Each run that ends (completed, failed or cancelled) is sent as one trace, protobuf over OTLP/HTTP, through the SSRF guard: an endpoint the guard refuses is refused here with its reason (400 at `endpoint`). Header values may reference the tenant's secrets; an unknown one, or one bound to other hosts, is refused at its header.",
      tags,
      request: {
        body: {
          required: true,
          content: {
            "application/json": {
              schema: OtlpBody,
              example: {
                endpoint: "https://otel.example.com:4318/v1/traces",
                headers: { "x-api-key": "{{ secrets.OTEL_KEY }}" },
                enabled: true,
              },
            },
          },
        },
      },
      responses: {
        200: json(OtlpExport, "The export as set", OTLP_EXPORT_EXAMPLE),
        ...errors(400, 413),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const tenantId = c.get("tenantId");
      const url = new URL(body.endpoint);
      const policy = checkUrl(url, allowlistOf(c.env));
      const issues = policy.ok ? [] : [issue(["endpoint"], policy.code, policy.message)];
      issues.push(...(await headerIssues(c.env, tenantId, body.headers, url)));
      if (issues.length > 0) {
        throw new ApiError(400, "validation_failed", `${issues[0]!.at}: ${issues[0]!.message}`, {
          errors: issues,
        });
      }
      const row: OtlpRow = {
        endpoint: await encryptSecret(c.env, tenantId, OTLP_SEAL.endpoint, body.endpoint),
        host: url.host,
        headers: await encryptSecret(
          c.env,
          tenantId,
          OTLP_SEAL.headers,
          JSON.stringify(body.headers),
        ),
        headerNames: Object.keys(body.headers),
        enabled: body.enabled,
        updatedAt: Date.now(),
      };
      await putOtlp(c.env.DB, tenantId, row);
      await audit(
        c,
        "telemetry.put",
        { type: "telemetry", id: "otlp" },
        { host: url.host, headerNames: row.headerNames, enabled: body.enabled },
      );
      return c.json(view(row), 200);
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/telemetry/otlp",
      operationId: "getOtlpExport",
      summary: "Where run traces go (never the endpoint's URL or header values)",
      tags,
      responses: { 200: json(OtlpExport, "The export", OTLP_EXPORT_EXAMPLE), ...errors(404) },
    }),
    async (c) => {
      const row = await findOtlp(c.env.DB, c.get("tenantId"));
      if (!row) throw notFound("an OTLP export (PUT /api/telemetry/otlp sets one)");
      return c.json(view(row), 200);
    },
  )
  .openapi(
    apiRoute("edit", {
      method: "delete",
      path: "/telemetry/otlp",
      operationId: "deleteOtlpExport",
      summary: "Stop sending run traces",
      tags,
      responses: { 204: { description: "Removed" }, ...errors(404) },
    }),
    async (c) => {
      if (!(await deleteOtlp(c.env.DB, c.get("tenantId")))) {
        throw notFound("an OTLP export");
      }
      await audit(c, "telemetry.delete", { type: "telemetry", id: "otlp" });
      return c.body(null, 204);
    },
  );
