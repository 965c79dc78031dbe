import { createMiddleware } from "hono/factory";
import { ApiError } from "./errors";
import type { AppEnv } from "./types";

export type Scope = "read" | "run" | "approve" | "admin";

/**
 * What each method needs by default: reading needs `read`; changing workflows and runs needs
 * `run`. Routes with other needs (approvals) declare them with `requireScope`. `admin` passes all.
 */
export const defaultScopes = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.path.includes("/approvals/") && c.req.method === "POST") return next();
  const needed: Scope =
    c.req.method === "GET" || c.req.method === "HEAD" || c.req.path.endsWith("/workflows/validate")
      ? "read"
      : "run";
  check(c.get("scopes"), needed);
  await next();
});

export function requireScope(scope: Scope) {
  return createMiddleware<AppEnv>(async (c, next) => {
    check(c.get("scopes"), scope);
    await next();
  });
}

function check(granted: string[], needed: Scope): void {
  if (granted.includes(needed) || granted.includes("admin")) return;
  throw new ApiError(403, "forbidden", `this API key lacks the "${needed}" scope`);
}
