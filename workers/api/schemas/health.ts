import { z } from "@hono/zod-openapi";

const Check = z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() });

export const Health = z
  .object({
    version: z.string(),
    ok: z.boolean(),
    checks: z.object({ d1: Check, r2: Check, queue: Check, durableObject: Check }),
  })
  .openapi("Health");
