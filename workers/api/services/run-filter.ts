import { z } from "@hono/zod-openapi";
import { page } from "../../../core/wire/cursor";
import { listRuns, type RunRow } from "../../../db/runs";
import { cursorOf, cursorQuery, intString } from "../schemas/params";
import { RUN_STATUSES, RunStatus } from "../schemas/run";

/** A run's place in the list: `[createdAt, id]`. */
const RUN_KEY = ["n", "s"] as const;
const RUN_TRIGGERS = ["api", "webhook", "cron", "replay", "subworkflow"] as const;

/**
 * The query of a filter over a tenant's runs, newest first: the run list's and the bulk
 * export's, declared once (add `limit`).
 */
export const RunFilter = z.object({
  status: RunStatus.optional().openapi({ description: `One of ${RUN_STATUSES.join(", ")}` }),
  workflowId: z.string().optional(),
  trigger: z
    .enum(RUN_TRIGGERS)
    .optional()
    .openapi({ description: `How it was started: one of ${RUN_TRIGGERS.join(", ")}` }),
  from: intString(0, Number.MAX_SAFE_INTEGER)
    .optional()
    .openapi({ description: "Only runs created at or after (ms since the epoch)" }),
  to: intString(0, Number.MAX_SAFE_INTEGER)
    .optional()
    .openapi({ description: "Only runs created before (ms since the epoch)" }),
  cursor: cursorQuery(RUN_KEY),
});
export type RunFilter = z.infer<typeof RunFilter>;

/** One page of the tenant's runs matching the filter, and the cursor of the next. */
export async function runPage(
  db: D1Database,
  tenantId: string,
  limit: number,
  filter: RunFilter,
): Promise<{ items: RunRow[]; nextCursor: string | null }> {
  const { status, workflowId, trigger, from, to, cursor } = filter;
  const rows = await listRuns(db, {
    tenantId,
    limit: limit + 1,
    ...(status ? { status } : {}),
    ...(workflowId ? { workflowId } : {}),
    ...(trigger ? { trigger } : {}),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    after: cursorOf<[number, string]>(cursor, RUN_KEY),
  });
  return page(rows, limit, (r) => [r.createdAt, r.id]);
}
