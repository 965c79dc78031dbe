import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "./errors";

/** Request bodies larger than this are refused with 413 before they are parsed. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A body that carries a workflow definition may be this large: a 25,000-node definition
 * (`MAX_NODES`) is 2-4 MB of JSON, positions included. Every other body stays at 1 MiB.
 */
export const MAX_DEFINITION_BODY_BYTES = 8 * 1024 * 1024;

/** The routes whose body is a workflow definition: create, save a version, validate. */
const DEFINITION_ROUTES: readonly { method: string; path: RegExp }[] = [
  { method: "POST", path: /^\/api\/workflows\/?$/ },
  { method: "POST", path: /^\/api\/workflows\/validate\/?$/ },
  { method: "PUT", path: /^\/api\/workflows\/[^/]+\/?$/ },
];

/** The most a request to `method path` may send. */
export function bodyLimitOf(method: string, path: string): number {
  const definition = DEFINITION_ROUTES.some((r) => r.method === method && r.path.test(path));
  return definition ? MAX_DEFINITION_BODY_BYTES : MAX_BODY_BYTES;
}

function refusing(maxSize: number, what: string): MiddlewareHandler {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `${what} exceeds ${maxSize} bytes`);
    },
  });
}

const small = refusing(MAX_BODY_BYTES, "request body");
const definition = refusing(MAX_DEFINITION_BODY_BYTES, "request body (a workflow definition)");

/** An import streams its archive and counts its bytes itself (workers/lifecycle/import-runs.ts). */
const STREAMED_ROUTES: readonly { method: string; path: RegExp }[] = [
  { method: "POST", path: /^\/api\/runs\/import\/?$/ },
];

/**
 * 413 for a body over its route's limit (`bodyLimitOf`), before anything reads it. A streamed
 * route's body is left to the route: hono's limit would buffer a chunked body whole.
 */
export const limitBodies: MiddlewareHandler = (c, next) => {
  if (STREAMED_ROUTES.some((r) => r.method === c.req.method && r.path.test(c.req.path))) {
    return next();
  }
  return (bodyLimitOf(c.req.method, c.req.path) === MAX_BODY_BYTES ? small : definition)(c, next);
};
