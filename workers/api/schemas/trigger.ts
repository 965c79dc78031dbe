import { z } from "@hono/zod-openapi";

/** `PUT /api/workflows/:id/triggers`. */
export const TriggerBody = z
  .strictObject({
    /** true: keep (or create) the webhook; false: remove it. */
    webhook: z.boolean().optional(),
    /** Issue a new webhook token (the old one stops working). */
    rotateToken: z.boolean().optional(),
    /** A 5-field cron expression in UTC, or null to remove the schedule. */
    cron: z.string().max(100).nullable().optional(),
  })
  .openapi("TriggerChange");

export const Triggers = z
  .object({
    workflowId: z.string(),
    webhook: z.boolean(),
    cron: z.string().nullable(),
    /** Only when a token was issued by this call: the URL with its secret token, shown once. */
    webhookUrl: z.string().optional(),
  })
  .openapi("Triggers");

/** `POST /hooks/:workflowId/:token`: the run it started, or the first run for a repeated key. */
export const HookRun = z.object({ runId: z.string(), deduplicated: z.boolean() });
