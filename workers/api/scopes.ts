import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { allows, type Scope } from "../../core/people/roles";
import { ApiError } from "./errors";
import type { AppEnv } from "./types";

export type { Scope };

/**
 * Refuses a request without `scope` (403 naming it); `admin` passes all. A request's scopes are
 * its key's, narrowed to its user's roles (docs/PEOPLE.md). The REST routes check theirs through
 * `requireScope`, the MCP server each tool's (workers/mcp).
 */
export function checkScope(c: Context<AppEnv>, scope: Scope): void {
  if (!allows(c.get("scopes"), scope)) {
    throw new ApiError(
      403,
      "forbidden",
      `this request lacks the "${scope}" scope (the API key's scopes, narrowed to its user's roles: ${c.get("roles").join(", ")})`,
    );
  }
}

/**
 * The check as a route's middleware. Every authenticated route declares its scope through
 * `apiRoute`: `read` for reading and validating, `run` to start, cancel and patch runs, `edit`
 * to change workflows, triggers and secrets, `approve` to vote, `admin` for users, keys,
 * retention and the audit log.
 */
export function requireScope(scope: Scope) {
  return createMiddleware<AppEnv>(async (c, next) => {
    checkScope(c, scope);
    await next();
  });
}
