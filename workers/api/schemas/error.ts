import { z } from "@hono/zod-openapi";
import type { ReceivedErrorBody } from "../../../core/wire/error-envelope";
import type { ErrorCode } from "../errors";

const ERROR_CODES = [
  "bad_request",
  "validation_failed",
  "unauthorized",
  "forbidden",
  "not_assigned",
  "last_admin",
  "not_found",
  "conflict",
  "payload_too_large",
  "rate_limited",
  "queue_full",
  "limit_exceeded",
  "run_finished",
  "run_active",
  "patch_rejected",
  "range_not_satisfiable",
  "expired",
  "internal_error",
] as const satisfies readonly ErrorCode[];

// A code added to ErrorCode without being listed above fails to compile here, so the
// document never leaves out a code the API can answer.
const _everyCodeListed: Exclude<ErrorCode, (typeof ERROR_CODES)[number]> extends never
  ? true
  : never = true;

/** One problem with what was sent, with the JSON path of what is wrong. */
export const Issue = z
  .object({
    path: z.array(z.union([z.string(), z.number()])),
    at: z.string().openapi({ example: "nodes[1].config.url" }),
    code: z.string(),
    message: z.string(),
  })
  .openapi("Issue");
export type Issue = z.infer<typeof Issue>;

/** Every refusal: `{ error: { code, message, details? } }`; validation lists its issues. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z
        .object({
          errors: z.array(Issue),
          warnings: z.array(Issue).optional(),
          patch: z
            .unknown()
            .optional()
            .describe("A rejected patch as recorded (422 patch_rejected)."),
        })
        .optional(),
    }),
  })
  .openapi("Error");
export type ErrorBody = z.infer<typeof ErrorBody>;

// Clients read refusals with core/wire/error-envelope.ts: every envelope declared here must be
// one it accepts, so renaming or retyping a field fails to compile here, not in a client.
const _clientsReadIt = (body: ErrorBody): ReceivedErrorBody => body;

const MEANING = {
  400: "The request is malformed or invalid; `details.errors` lists each problem with its path",
  401: "Missing, invalid or revoked API key",
  403: "The API key lacks the scope this operation needs",
  404: "No such resource for this tenant",
  409: "Conflicts with the resource's current state",
  410: "Expired: the link or resource is no longer valid",
  413: "The request body exceeds 1 MiB",
  416: "The range starts past the end; `Content-Range: bytes */<size>` gives the size",
  422: "Well-formed, but refused by the resource's rules; `details` say why",
  426: "The request is not a WebSocket upgrade",
  429: "Rate limited: retry after `Retry-After` seconds",
} as const;
export type ErrorStatus = keyof typeof MEANING;

const errorResponse = <S extends ErrorStatus>(status: S) => ({
  description: MEANING[status],
  content: { "application/json": { schema: ErrorBody } },
});

/**
 * The error answers of an operation, for its `responses`.
 * @example
 * responses: { 200: json(Workflow, "The workflow"), ...errors(400, 404) }
 */
export function errors<const S extends readonly ErrorStatus[]>(
  ...statuses: S
): { [K in S[number]]: ReturnType<typeof errorResponse<K>> } {
  return Object.fromEntries(statuses.map((s) => [s, errorResponse(s)])) as {
    [K in S[number]]: ReturnType<typeof errorResponse<K>>;
  };
}

/**
 * A JSON answer described by a schema, with an example of it (typed by the schema, and checked
 * against the document's JSON Schema by the linter of `npm run check`).
 * @example
 * responses: { 200: json(RunView, "The run with its node states", examples.runView) }
 */
export function json<T extends z.ZodType>(schema: T, description: string, example?: z.output<T>) {
  const media = { schema, ...(example === undefined ? {} : { example }) };
  return { description, content: { "application/json": media } };
}

/**
 * A required JSON request body, with an example of what a client sends.
 * @example
 * request: { body: jsonBody(StartRunBody, { input: { orderId: "ord_42" } }) }
 */
export function jsonBody<T extends z.ZodType>(schema: T, example: z.input<T>) {
  return { required: true, content: { "application/json": { schema, example } } };
}
