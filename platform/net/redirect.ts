import type { RequestShape } from "../../core/net/request";

/** Statuses whose Location the guard follows (after re-checking it), as fetch does. */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Headers that describe a request body and go away with it (fetch's request-body-header names). */
const BODY_HEADERS = ["content-type", "content-encoding", "content-language", "content-location"];

/** Headers that carry credentials, which must not follow a redirect to another origin. */
const CREDENTIAL_HEADERS = ["authorization", "proxy-authorization", "cookie"];

/**
 * The Location a response redirects to, or null when it is not a redirect to follow
 * (a 304, a 300, or a 3xx without Location is returned to the caller as it is).
 * @example
 * redirectLocation(new Response(null, { status: 302, headers: { location: "/next" } })); // "/next"
 */
export function redirectLocation(response: Response): string | null {
  return REDIRECT_STATUSES.has(response.status) ? response.headers.get("location") : null;
}

/**
 * The request to send after a redirect, following the fetch standard as browsers do: 303
 * (except for HEAD) and 301/302 after POST become a GET without body; 307/308 resend the same
 * request. Credentials headers are dropped when the redirect leaves the origin, so a token for
 * one API never reaches the host it redirects to.
 * @example
 * const next = redirectedRequest(303, { method: "POST", headers, body: "{}" }, false);
 * next.method; // "GET"; next.body === null
 */
export function redirectedRequest(
  status: number,
  request: RequestShape,
  crossOrigin: boolean,
): RequestShape {
  const method = request.method.toUpperCase();
  const toGet =
    (status === 303 && method !== "GET" && method !== "HEAD") ||
    ((status === 301 || status === 302) && method === "POST");
  const headers = new Headers(request.headers);
  if (toGet) for (const name of BODY_HEADERS) headers.delete(name);
  if (crossOrigin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
  return toGet
    ? { method: "GET", headers, body: null }
    : { method: request.method, headers, body: request.body };
}
