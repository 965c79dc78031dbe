import type { Context } from "hono";
import type { z } from "zod";
import { formatPath, type ValidationIssue } from "../../core/workflow/issues";
import { checkJsonLimits } from "../../core/workflow/limits";
import { ApiError } from "./errors";

/** A validation issue as the API returns it: the path as an array and as text. */
export function issueView(issue: ValidationIssue) {
  return { path: issue.path, at: formatPath(issue.path), code: issue.code, message: issue.message };
}

/** Parses a JSON body against a schema; a 400 lists every problem with its path. */
export async function jsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new ApiError(400, "bad_request", "the body is not valid JSON");
  }
  const limit = checkJsonLimits(raw);
  if (limit) {
    throw new ApiError(
      400,
      "validation_failed",
      `the request body is too large in one place: ${limit.message}`,
      {
        errors: [
          issueView({
            path: limit.path,
            code: "limit_exceeded",
            message: limit.message,
            severity: "error",
          }),
        ],
      },
    );
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ApiError(400, "validation_failed", "the request body is invalid", {
      errors: parsed.error.issues.map((i) =>
        issueView({
          path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
          code: "invalid_request",
          message: i.message,
          severity: "error",
        }),
      ),
    });
  }
  return parsed.data;
}

/** Reads an integer query parameter within bounds, or the default. */
export function intQuery(
  c: Context,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = c.req.query(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ApiError(
      400,
      "bad_request",
      `query parameter ${name} must be an integer from ${min} to ${max}`,
    );
  }
  return n;
}
