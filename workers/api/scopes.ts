import { createMiddleware } from "hono/factory";
import { ApiError } from "./errors";
import type { AppEnv } from "./types";

export type Scope = "read" | "run" | "approve" | "admin";

/**
 * Refuses a key without `scope` (403 naming it); `admin` passes all. Every authenticated route
 * declares its scope through `apiRoute`: `read` for reading and validating, `run` to change
 * workflows and start or cancel runs, `approve` to vote, `admin` for keys and secrets.
 */
export function requireScope(scope: Scope) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const granted = c.get("scopes");
    if (!granted.includes(scope) && !granted.includes("admin")) {
      throw new ApiError(403, "forbidden", `this API key lacks the "${scope}" scope`);
    }
    await next();
  });
}
