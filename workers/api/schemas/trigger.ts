import { z } from "@hono/zod-openapi";

/** `PUT /api/workflows/:id/triggers`. */
export const TriggerBody = z
  .strictObject({
    webhook: z
      .boolean()
      .optional()
      .describe("true: keep (or create) the webhook; false: remove it."),
    rotateToken: z
      .boolean()
      .optional()
      .describe("Issue a new webhook token (the old one stops working)."),
    cron: z
      .string()
      .max(100)
      .nullable()
      .optional()
      .describe("A 5-field cron expression in UTC, or null to remove the schedule."),
    signature: z
      .boolean()
      .optional()
      .describe(
        "true: webhook deliveries must be signed (a signing secret is issued if there is none); false: unsigned deliveries are accepted again and the secret is deleted.",
      ),
    rotateSigningSecret: z
      .boolean()
      .optional()
      .describe(
        "Issue a new signing secret (the old one stops working at once); turns signing on.",
      ),
  })
  .openapi("TriggerChange");
export type TriggerBody = z.infer<typeof TriggerBody>;

export const Triggers = z
  .object({
    workflowId: z.string(),
    webhook: z.boolean(),
    cron: z.string().nullable(),
    webhookUrl: z
      .string()
      .optional()
      .describe(
        "Only when a token was issued by this call: the URL with its secret token, shown once.",
      ),
    signature: z.boolean().describe("Whether webhook deliveries must be signed."),
    signingSecret: z
      .string()
      .optional()
      .describe(
        "Only when a signing secret was issued by this call: the HMAC-SHA256 key, shown once.",
      ),
  })
  .openapi("Triggers");

/** `POST /hooks/:workflowId/:token`: the run it started, or the first run for a repeated key. */
export const HookRun = z.object({ runId: z.string(), deduplicated: z.boolean() });
