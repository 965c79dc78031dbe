import type { z } from "@hono/zod-openapi";
import type { HookRun, TriggerBody, Triggers } from "../schemas/trigger";
import { RUN_ID, WORKFLOW_ID } from "./ids";

type Out<T extends z.ZodType> = z.output<T>;

export const triggers: Out<typeof Triggers> = {
  workflowId: WORKFLOW_ID,
  webhook: true,
  cron: "0 9 * * 1",
  signature: true,
};

export const setTriggers: z.input<typeof TriggerBody> = {
  webhook: true,
  cron: "0 9 * * 1",
  signature: true,
};

/** The answer of the call that issued the token and the signing secret: each shown this once. */
export const issued: Out<typeof Triggers> = {
  ...triggers,
  webhookUrl: `https://aob.example.com/hooks/${WORKFLOW_ID}/VrRDI-WTyRi8uAktzgcJp7Ag-CztlG81`,
  signingSecret: "whsec_Ygco6bi-WitywLwUgqPLJnAvFm7EJZ4DHjVx1WOp3fA",
};

export const delivery = { orderId: "ord_42", total: 129.9 };

export const hookStarted: Out<typeof HookRun> = { runId: RUN_ID, deduplicated: false };

export const hookRepeated: Out<typeof HookRun> = { runId: RUN_ID, deduplicated: true };
