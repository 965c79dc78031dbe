import { z } from "@hono/zod-openapi";
import { decodeCursor, type KeyPart } from "../../../core/wire/cursor";

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

/**
 * `cursor` for list endpoints: the `nextCursor` of the previous page, as it came (core/wire/
 * cursor.ts). One this list did not give (another list's, edited, cut) is refused with 400.
 * The route reads it with `cursorOf`.
 */
export const cursorQuery = (shape: readonly ("s" | "n")[]) =>
  z
    .string()
    .optional()
    .refine((raw) => raw === undefined || decodeCursor(raw, shape) !== null, {
      error: "is not a cursor this list gave: pass `nextCursor` of its previous page as it came",
    })
    .openapi({
      description: "`nextCursor` of the previous page; absent for the first page",
    });

/** The sort key in a `cursorQuery` that passed validation, or undefined for the first page. */
export function cursorOf<K extends readonly KeyPart[]>(
  raw: string | undefined,
  shape: readonly ("s" | "n")[],
): K | undefined {
  return raw === undefined ? undefined : (decodeCursor(raw, shape) as unknown as K);
}

/** `nextCursor` in a list's answer. */
export const NextCursor = z
  .string()
  .nullable()
  .describe("Pass as `cursor` for the next page; null when this page is the last");
