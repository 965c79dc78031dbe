import { z } from "@hono/zod-openapi";
import { apiRoute, routes } from "../route";
import { errors, json } from "../schemas/error";
import { intString } from "../schemas/params";
import { STATS_EXAMPLE, Stats, StatsBucket } from "../schemas/stats";
import { statsOf } from "../services/stats";
import { requireWorkflow } from "../services/workflows";

const Ms = (description: string, example: number) =>
  intString(0, Number.MAX_SAFE_INTEGER).optional().openapi({ description, example });

/** A tenant's figures over a window, for charts and `aob stats` (docs/OBSERVABILITY.md). */
/** The answer's type (the example is declared `as const`). */
type StatsAnswer = z.output<typeof Stats>;

export const statsRoutes = routes().openapi(
  apiRoute("read", {
    method: "get",
    path: "/stats",
    operationId: "getStats",
    summary: "Runs, durations, slow and failing nodes, tokens and cost over a time window",
    description:
      "Runs started and ended (by how) per bucket, with their tokens and cost by model; duration percentiles of the runs that ended; the slowest and most failing nodes and the retries of their attempts; model usage by model and workflow; approvals' time to decision. The window is `[since, until)` in ms (default: the last 24 hours, at most 31 days); buckets are aligned to multiples of their size (UTC) and every bucket of the window has a point. A figure that reads past `sample` rows covers the newest runs only (`capped`).",
    tags: ["observability"],
    request: {
      query: z.object({
        workflow: z
          .string()
          .optional()
          .openapi({ description: "Only this workflow's runs (its id)", example: "wf_0mx7v7cj" }),
        since: Ms("Start of the window, inclusive (ms since the epoch)", 1_796_300_000_000),
        until: Ms("End of the window, exclusive (ms; default now)", 1_796_386_400_000),
        bucket: StatsBucket.optional().openapi({
          description:
            "The series' bucket size; by default the smallest that makes at most 200 buckets",
        }),
      }),
    },
    responses: {
      200: json(Stats, "The figures of the window", STATS_EXAMPLE as unknown as StatsAnswer),
      ...errors(400, 404),
    },
  }),
  async (c) => {
    const { workflow, since, until, bucket } = c.req.valid("query");
    const tenantId = c.get("tenantId");
    if (workflow !== undefined) await requireWorkflow(c.env, tenantId, workflow);
    const stats = await statsOf(c.env.DB, {
      tenantId,
      ...(workflow === undefined ? {} : { workflowId: workflow }),
      ...(since === undefined ? {} : { since }),
      ...(until === undefined ? {} : { until }),
      ...(bucket === undefined ? {} : { bucket }),
      now: Date.now(),
    });
    return c.json(stats, 200);
  },
);
