import { z } from "zod";
import { defineKind, NO_RETRY, SUCCESS_PORT } from "./kind";

export const DelayConfig = z
  .strictObject({
    /** How long to wait; a number or a `{{ template }}`. */
    seconds: z.union([z.number().min(0).max(31_536_000), z.string()]).optional(),
    /** Or an ISO-8601 time to wait until (may be a template). */
    until: z.string().optional(),
  })
  .refine((c) => (c.seconds === undefined) !== (c.until === undefined), {
    message: "give exactly one of `seconds` or `until`",
  });

export const delay = defineKind({
  type: "delay",
  title: "Delay",
  description: "Waits for a duration or until a time (a Durable Object alarm; costs nothing).",
  status: "active",
  execution: "wait",
  config: DelayConfig,
  ports: () => [SUCCESS_PORT],
  expressions: () => [],
  defaults: { retry: NO_RETRY, timeoutMs: 10_000 },
});
