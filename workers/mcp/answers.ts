import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { formatPath } from "../../core/workflow/issues";
import { ApiError } from "../api/errors";

/** A tool's answer: the value as structured content, and as JSON text for clients that read text. */
export function answer(value: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(value, null, 2) }],
    structuredContent: value,
  };
}

interface Problem {
  at: string;
  message: string;
}

/** The problems an error's details list (`{ errors: [{ path, at?, message }] }`), if any. */
function problemsOf(details: unknown): Problem[] {
  const errors = (details as { errors?: unknown } | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((e: { at?: unknown; path?: unknown; message?: unknown }) => {
    if (typeof e?.message !== "string") return [];
    const at =
      typeof e.at === "string" ? e.at : Array.isArray(e.path) ? formatPath(e.path) : "(root)";
    return [{ at, message: e.message }];
  });
}

/**
 * A refusal as a tool result (`isError: true`), so the model reads it and can act on it: the
 * API's code and message, then each problem at its path (`- priority: must be >= 1`), the same
 * as the REST API's `{ error: { code, message, details } }`, which is the structured content.
 */
export function refusal(err: ApiError): CallToolResult {
  const lines = problemsOf(err.details).map((p) => `- ${p.at}: ${p.message}`);
  return {
    isError: true,
    content: [{ type: "text", text: [`${err.code}: ${err.message}`, ...lines].join("\n") }],
    structuredContent: {
      error: {
        code: err.code,
        message: err.message,
        ...(err.details === undefined ? {} : { details: err.details }),
      },
    },
  };
}

/**
 * What a tool's call that threw answers: the refusal of an `ApiError`; anything else is an
 * operational fault, logged with its tool and answered without its message (no internals reach
 * a client, as in the API's `onError`).
 */
export function failure(err: unknown, tool: string): CallToolResult {
  if (err instanceof ApiError) return refusal(err);
  console.error(JSON.stringify({ at: "mcp", tool, error: String(err) }));
  return refusal(new ApiError(500, "internal_error", "internal error"));
}
