import { z } from "@hono/zod-openapi";
import { Timestamp } from "./time";

/** The public liveness answer: the Worker is up. It touches no binding. */
export const Health = z
  .object({
    version: z.string(),
    ok: z.literal(true),
  })
  .openapi("Health");
export type Health = z.infer<typeof Health>;

const Check = z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() });

/** One round trip per binding, reused by an isolate for `DEEP_HEALTH_TTL_MS`. */
export const DeepHealth = z
  .object({
    version: z.string(),
    ok: z.boolean(),
    checks: z.object({ d1: Check, r2: Check, queue: Check, durableObject: Check }),
    cachedAt: Timestamp.openapi({ description: "When these checks ran (ms since the epoch)" }),
    ageMs: z
      .number()
      .int()
      .nonnegative()
      .openapi({ description: "How old the answer is; an isolate reuses it for 10 s" }),
  })
  .openapi("DeepHealth");
export type DeepHealth = z.infer<typeof DeepHealth>;
