import { z } from "zod";

/**
 * The API's error envelope as a client receives it: `{ error: { code, message, details? } }`,
 * read tolerantly (a newer server may add fields; validation refusals list `details.errors[]`
 * with the JSON path of each problem in `at`). The API declares the envelope it sends in
 * `workers/api/schemas/error.ts`, which checks at compile time that this reader accepts it.
 */
export const ReceivedErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z
      .object({
        errors: z
          .array(
            z
              .object({
                path: z.array(z.union([z.string(), z.number()])).default([]),
                at: z.string(),
                code: z.string().default("invalid"),
                message: z.string(),
              })
              .loose(),
          )
          .optional(),
      })
      .loose()
      .optional(),
  }),
});
export type ReceivedErrorBody = z.infer<typeof ReceivedErrorBody>;

export interface ReadError {
  code: string;
  message: string;
  /** Each problem with its JSON path (`at` as text, `path` as keys), for validation refusals. */
  issues: { path: (string | number)[]; at: string; code: string; message: string }[];
}

/**
 * What a refusal says, from its status and body text; a body that is not the envelope (a
 * proxy's page, a crash) reads as `http_error` with the start of its text.
 * @example
 * readErrorEnvelope(404, '{"error":{"code":"not_found","message":"run r_1 not found"}}');
 * // { code: "not_found", message: "run r_1 not found", issues: [] }
 */
export function readErrorEnvelope(status: number, text: string): ReadError {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined;
  }
  const parsed = ReceivedErrorBody.safeParse(raw);
  if (!parsed.success) {
    return { code: "http_error", message: `HTTP ${status}: ${text.slice(0, 200)}`, issues: [] };
  }
  const { code, message, details } = parsed.data.error;
  return {
    code,
    message,
    issues: (details?.errors ?? []).map(({ path, at, code, message }) => ({
      path,
      at,
      code,
      message,
    })),
  };
}
