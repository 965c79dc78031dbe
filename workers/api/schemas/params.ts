import { z } from "@hono/zod-openapi";

/**
 * An integer in a query string or path, within bounds. Every failure (not a number, not an
 * integer, out of range) says the same thing, so the client learns the whole rule at once.
 * Read like `Number(text)`; not `z.coerce`, which would also turn a null into 0 and so make
 * zod-to-openapi document the parameter as nullable.
 * @example
 * z.object({ limit: intString(1, 500).default(100) })
 */
export function intString(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.preprocess(
    (text: string) => (typeof text === "string" ? Number(text) : text),
    z.number({ error }).int({ error }).min(min, { error }).max(max, { error }),
  );
}

/** A resource id in a path (`wf_...`, `run_...`, `key_...`); an unknown one answers 404. */
export const IdParam = z.string();

/** `limit` for list endpoints. */
export const limitQuery = (fallback: number, max: number) =>
  intString(1, max).default(fallback).openapi({ description: "How many items at most" });
