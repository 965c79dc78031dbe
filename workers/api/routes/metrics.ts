import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { exposition } from "../../../core/metrics";
import { metricTotals, operatorTotals } from "../../../db/metrics";
import { authenticate } from "../auth";
import { ApiError } from "../errors";
import { BEARER, routes, SESSION } from "../route";
import { errors } from "../schemas/error";
import { requireScope } from "../scopes";
import { metricFamilies } from "../services/metrics";
import type { AppEnv } from "../types";

/** The security scheme of the operator's token (`AOB_METRICS_TOKEN`), for `scope=all` only. */
export const OPERATOR = "operatorToken";

/** Prometheus's text exposition format. */
export const EXPOSITION_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const Scope = z.enum(["tenant", "all"]);

/** A key or session with `read`, or (for `scope=all`) the operator's token. */
const SECURITY: Record<string, string[]>[] = [
  { [BEARER]: ["read"] },
  { [SESSION]: ["read"] },
  { [OPERATOR]: [] },
];

/**
 * SHA-256 of both, compared without an early exit: neither the token's length nor where it
 * differs shows in the time taken. (Not `crypto.subtle.timingSafeEqual`: workerd's own, and
 * this file also compiles for the CLI's types.)
 */
async function sameSecret(given: string, expected: string): Promise<boolean> {
  const digest = async (s: string) =>
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  let differ = 0;
  for (let i = 0; i < a.length; i++) differ |= a[i]! ^ b[i]!;
  return differ === 0;
}

/**
 * `scope=all` is the operator's (who deploys aob, SECURITY.md): only the operator's token opens
 * it, since a tenant's key, admin or not, never sees past its tenant. Otherwise the request is
 * authenticated like any API call and needs the `read` scope.
 */
const metricsAccess = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.query("scope") !== "all") {
    // A key in the URL is refused there, as on every route (request logs keep URLs).
    await authenticate(c, async () => {
      await requireScope("read")(c, next);
    });
    return;
  }
  if (c.req.query("key") !== undefined || c.req.query("token") !== undefined) {
    throw new ApiError(
      400,
      "bad_request",
      "credentials are not accepted in a URL: send the operator's token as `Authorization: Bearer <token>`",
    );
  }
  const expected = c.env.AOB_METRICS_TOKEN ?? "";
  if (expected === "") {
    throw new ApiError(
      403,
      "forbidden",
      "the operator's metrics (scope=all) are off: set AOB_METRICS_TOKEN (a Worker secret) and scrape with it as the bearer token",
    );
  }
  const bearer = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer === undefined || !(await sameSecret(bearer, expected))) {
    throw new ApiError(
      401,
      "unauthorized",
      "scope=all needs the operator's token (AOB_METRICS_TOKEN) as the bearer token; an API key reads its own tenant's metrics without scope=all",
    );
  }
  await next();
});

const EXAMPLE = `# HELP aob_runs_total Runs that ended, by workflow id and how they ended (completed, failed, cancelled).
# TYPE aob_runs_total counter
aob_runs_total{workflow="wf_0mx7v7cj",status="completed"} 37
aob_runs_total{workflow="wf_0mx7v7cj",status="failed"} 3
# HELP aob_approvals_pending Approvals waiting for a decision now.
# TYPE aob_approvals_pending gauge
aob_approvals_pending 2
`;

/**
 * `GET /api/metrics`: the running totals in Prometheus's text format (docs/OBSERVABILITY.md).
 * Mounted before the API's authentication: `metricsAccess` authenticates (a key, or for
 * `scope=all` the operator's token).
 */
export const metricsRoutes = routes().openapi(
  createRoute({
    method: "get",
    path: "/metrics",
    operationId: "getMetrics",
    summary: "Prometheus metrics: runs, node attempts and durations, tokens, cost, approvals",
    description:
      "The tenant's counters, histograms and gauges in the Prometheus text format (0.0.4), from running totals that each ended run adds to once: a scrape reads one row per series, never the runs. With `scope=all` and the operator's token (`AOB_METRICS_TOKEN`) as the bearer token: every tenant's totals summed, runs by status only. Metric names, labels and a scrape config: docs/OBSERVABILITY.md.",
    tags: ["observability"],
    security: SECURITY,
    middleware: [metricsAccess],
    request: {
      query: z.object({
        scope: Scope.default("tenant").openapi({
          description:
            "`tenant` (the key's tenant) or `all` (every tenant; the operator's token only)",
          example: "tenant",
        }),
      }),
    },
    responses: {
      200: {
        description: "The metrics in the Prometheus text exposition format",
        content: {
          "text/plain; version=0.0.4": { schema: z.string().openapi({ example: EXAMPLE }) },
        },
      },
      ...errors(400, 401, 403),
    },
  }),
  async (c) => {
    const { scope } = c.req.valid("query");
    const totals =
      scope === "all"
        ? await operatorTotals(c.env.DB)
        : await metricTotals(c.env.DB, c.get("tenantId"));
    return c.text(exposition(metricFamilies(totals, scope)), 200, {
      "content-type": EXPOSITION_TYPE,
      "cache-control": "no-store",
    });
  },
);
