import { createRoute, OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { errors } from "./schemas/error";
import { requireScope, type Scope } from "./scopes";
import type { AppEnv } from "./types";
import { jsonRequest, refuseInvalid } from "./validation";

/** The security scheme's name in the document: `Authorization: Bearer <api key>`. */
export const BEARER = "bearerAuth";
/** The browser's alternative: the session cookie from `POST /api/sessions`. */
export const SESSION = "sessionCookie";

/** A route as this API declares it: every operation has a stable camelCase `operationId` (SDK generators name methods by it). */
type Config = Omit<RouteConfig, "security" | "middleware"> & { operationId: string };

/** A group of routes whose invalid requests answer in the API's error format. */
export function routes() {
  return new OpenAPIHono<AppEnv>({ defaultHook: refuseInvalid });
}

type Middleware = MiddlewareHandler<AppEnv>;

/** Either scheme, with the scope the operation needs (none: any key). */
function signedIn(scopes: Scope[]): Record<string, string[]>[] {
  return [{ [BEARER]: scopes }, { [SESSION]: scopes }];
}

/** A JSON body is parsed by `jsonRequest`; a body of another type is the handler's to read. */
function middlewareOf(config: Config, first: Middleware[], last: Middleware[]) {
  const json = config.request?.body?.content["application/json"] !== undefined;
  return [...first, ...(json ? [jsonRequest] : []), ...last];
}

/**
 * An operation that needs an API key with `scope` (or `admin`). The one declaration serves the
 * check (a missing scope answers 403 naming it) and the document (the operation's `security`).
 * A JSON body is parsed and size-checked before the route's schemas see it; `before` runs
 * next, still before the schemas (a check whose refusal says more than a schema's would).
 * @example
 * app.openapi(apiRoute("read", { method: "get", path: "/runs/{id}", ... }), handler)
 */
export function apiRoute<P extends string, R extends Omit<Config, "path"> & { path: P }>(
  scope: Scope,
  config: R,
  before: Middleware[] = [],
) {
  return createRoute({
    ...config,
    security: signedIn([scope]),
    middleware: middlewareOf(config, [requireScope(scope)], before),
    responses: { ...config.responses, ...errors(401, 403) },
  });
}

/** An operation any valid key or session may call, whatever its scopes (who am I). */
export function signedInRoute<P extends string, R extends Omit<Config, "path"> & { path: P }>(
  config: R,
) {
  return createRoute({
    ...config,
    security: signedIn([]),
    middleware: middlewareOf(config, [], []),
    responses: { ...config.responses, ...errors(401, 403) },
  });
}

/**
 * An operation anyone may call (health, the document, webhooks with their token in the URL).
 * `rawBody`: the handler reads the body's bytes itself (a webhook's signature covers them
 * exactly), and applies the JSON limits with `refuseOverLimits`.
 */
export function publicRoute<P extends string, R extends Omit<Config, "path"> & { path: P }>(
  config: R,
  options: { rawBody?: true } = {},
) {
  const middleware = options.rawBody ? [] : middlewareOf(config, [], []);
  return createRoute({ ...config, security: [], middleware });
}
