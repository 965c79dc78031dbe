import type { z } from "@hono/zod-openapi";
import type { DeepHealth, Health } from "../schemas/health";
import { T0 } from "./ids";

type Out<T extends z.ZodType> = z.output<T>;

export const health: Out<typeof Health> = { version: "0.1.0", ok: true };

export const deepHealth: Out<typeof DeepHealth> = {
  version: "0.1.0",
  ok: true,
  checks: {
    d1: { ok: true, ms: 2 },
    r2: { ok: true, ms: 4 },
    queue: { ok: true, ms: 1 },
    durableObject: { ok: true, ms: 3 },
  },
  cachedAt: T0,
  ageMs: 1250,
};

export const deepHealthFailed: Out<typeof DeepHealth> = {
  ...deepHealth,
  ok: false,
  checks: {
    ...deepHealth.checks,
    r2: { ok: false, ms: 5003, error: "R2 put timed out" },
  },
  ageMs: 0,
};

/** The start of this document, as `GET /openapi.json` answers it. */
export const openApiDocument = {
  openapi: "3.1.0",
  info: { title: "aob API", version: "0.1.0" },
  paths: { "/api/health": { get: { operationId: "getHealth" } } },
};
