import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ErrorCode =
  | "bad_request"
  | "validation_failed"
  | "unauthorized"
  | "forbidden"
  | "not_assigned"
  | "last_admin"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "rate_limited"
  | "queue_full"
  | "limit_exceeded"
  | "run_finished"
  | "run_active"
  | "patch_rejected"
  | "range_not_satisfiable"
  | "expired"
  | "internal_error";

/** An error a client should see, with a stable code and optional details (JSON paths). */
export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** With 429: the `Retry-After` header's seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(status, { message });
  }
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);

/** One place that turns every error into `{ error: { code, message, details? } }`; no stacks leak. */
export function onError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    if (err.retryAfterSeconds !== undefined) c.header("Retry-After", String(err.retryAfterSeconds));
    return c.json(
      {
        error: {
          code: err.code,
          message: err.message,
          ...(err.details === undefined ? {} : { details: err.details }),
        },
      },
      err.status,
    );
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const code: ErrorCode =
      status === 401 ? "unauthorized" : status === 413 ? "payload_too_large" : "bad_request";
    return c.json({ error: { code, message: err.message || "request refused" } }, status);
  }
  console.error(JSON.stringify({ at: "api", path: c.req.path, error: String(err) }));
  return c.json({ error: { code: "internal_error", message: "internal error" } }, 500);
}
