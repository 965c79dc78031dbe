import { z } from "@hono/zod-openapi";

/** A point in time as the API gives it. */
export const Timestamp = z
  .number()
  .int()
  .openapi({ description: "Milliseconds since the Unix epoch" });
