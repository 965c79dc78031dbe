import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { ValidationTargets } from "hono/types";
import type { z } from "zod";
import { formatPath, type ValidationIssue } from "../../core/workflow/issues";
import { checkJsonLimits } from "../../core/workflow/limits";
import { ApiError } from "./errors";
import type { AppEnv } from "./types";

/** A validation issue as the API returns it: the path as an array and as text. */
export function issueView(issue: ValidationIssue) {
  return { path: issue.path, at: formatPath(issue.path), code: issue.code, message: issue.message };
}

/** zod's issues as API issues, each with its JSON path. */
export function zodIssueViews(error: z.ZodError, code = "invalid_request") {
  return error.issues.map((i) =>
    issueView({
      path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
      code,
      message: i.message,
      severity: "error",
    }),
  );
}

const PART: Record<keyof ValidationTargets, string> = {
  json: "the request body",
  form: "the request body",
  query: "query parameter",
  param: "path parameter",
  header: "header",
  cookie: "cookie",
};

type HookResult = { target: keyof ValidationTargets } & (
  | { success: true }
  | { success: false; error: z.ZodError }
);
type FailedCheck = Extract<HookResult, { success: false }>;

/**
 * The refusal of a request that failed its route's zod schemas: a body answers 400
 * `validation_failed`, a path, query or header parameter 400 `bad_request`; both list every
 * problem with its path in `details.errors`.
 */
function invalidRequest(result: FailedCheck): ApiError {
  const issues = zodIssueViews(result.error);
  if (result.target === "json" || result.target === "form") {
    return new ApiError(400, "validation_failed", "the request body is invalid", {
      errors: issues,
    });
  }
  const first = issues[0];
  const what = first ? `${PART[result.target]} ${first.at}: ${first.message}` : PART[result.target];
  return new ApiError(400, "bad_request", what, { errors: issues });
}

/** Every route's validation hook: thrown, so `onError` renders it like any other refusal. */
export function refuseInvalid(result: HookResult, _c: Context): undefined {
  if (!result.success) throw invalidRequest(result);
  return undefined;
}

// What @hono/zod-openapi accepts as JSON; anything else it refuses with 415 before parsing.
const JSON_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/**
 * Runs before a route's body schema: reads the body as JSON whatever its `Content-Type` says
 * (the API always did: `curl -d` sends form encoding), answers 400 for text that is not JSON,
 * and refuses a body nested too deep or holding an over-long string before the schema walks it.
 * The parsed body stays cached on the request, so the schema's validator does not parse it again.
 */
export const jsonRequest = createMiddleware<AppEnv>(async (c, next) => {
  if (!JSON_TYPE.test(c.req.header("content-type") ?? "")) {
    const headers = new Headers(c.req.raw.headers);
    headers.set("content-type", "application/json");
    c.req.raw = new Request(c.req.raw, { headers });
  }
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new ApiError(400, "bad_request", "the body is not valid JSON");
  }
  refuseOverLimits(raw);
  await next();
});

/**
 * The JSON limits every body meets (depth, string length), for a route that reads its body
 * itself (webhooks, which need the raw bytes for a signature): throws 400 with the path.
 */
export function refuseOverLimits(value: unknown): void {
  const limit = checkJsonLimits(value);
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
}

/**
 * A body a route reads itself (a webhook's run input, a signed URL's event data): none is null;
 * otherwise UTF-8 JSON within the API's limits, else 400.
 */
export function readJsonBody(body: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    throw new ApiError(400, "bad_request", "the body is not valid UTF-8");
  }
  if (text.trim() === "") return null;
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    throw new ApiError(400, "bad_request", "the body is not valid JSON");
  }
  refuseOverLimits(input);
  return input;
}
