import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { ApiError } from "./errors";

/**
 * The browser's session cookie. Its value is a random 32-byte token; D1 keeps only the token's
 * SHA-256 (`sessions`). Over https the cookie is `__Host-aob_session` (Secure, Path=/, no
 * Domain: the browser refuses it otherwise); over plain http (`wrangler dev` on 127.0.0.1) it
 * is `aob_session` without Secure, which a browser would not send back over http.
 */
export const SESSION_COOKIE = "aob_session";
const SECURE_COOKIE = `__Host-${SESSION_COOKIE}`;

/** A session lasts 12 hours from sign-in; it is not extended by use. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * Cookie-authenticated requests that change something must carry this header (the UI always
 * sends it). A cross-site form or `fetch` without CORS cannot set a custom header, so such a
 * request can never ride on the cookie, whatever SameSite a browser implements.
 */
export const CSRF_HEADER = "x-aob-csrf";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:";
}

/** A fresh session token (256 random bits, base64url). */
export function newSessionToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replaceAll("=", "");
}

/** The session token the request carries, if any. */
export function readSessionCookie(c: Context): string | undefined {
  return getCookie(c, isHttps(c) ? SECURE_COOKIE : SESSION_COOKIE) || undefined;
}

export function writeSessionCookie(c: Context, token: string): void {
  const secure = isHttps(c);
  setCookie(c, secure ? SECURE_COOKIE : SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure,
    maxAge: SESSION_TTL_MS / 1000,
  });
}

export function clearSessionCookie(c: Context): void {
  const secure = isHttps(c);
  deleteCookie(c, secure ? SECURE_COOKIE : SESSION_COOKIE, {
    httpOnly: true,
    sameSite: "Strict",
    path: "/",
    secure,
  });
}

/**
 * The CSRF rule for requests that ride on (or set) the session cookie: a method that can
 * change something needs `X-Aob-Csrf: 1`. Bearer requests are not affected: a browser never
 * adds an `Authorization` header by itself.
 */
export function requireCsrfHeader(c: Context): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  if (c.req.header(CSRF_HEADER) === "1") return;
  throw new ApiError(
    403,
    "forbidden",
    `a ${c.req.method} signed in by the session cookie must carry the header \`X-Aob-Csrf: 1\` (cross-site request protection); API clients send \`Authorization: Bearer <key>\` instead`,
  );
}

/**
 * A WebSocket upgrade that rides on the cookie must come from a page of this origin: browsers
 * send `Origin` on every WebSocket handshake, and SameSite does not cover every browser's
 * handshake (cross-site WebSocket hijacking). `/mcp` applies the same rule to every request
 * (MCP's defence against DNS rebinding). `what` names the request in the refusal.
 */
export function requireSameOrigin(
  c: Context,
  what = "a WebSocket signed in by the session cookie",
): void {
  const origin = c.req.header("origin");
  if (origin === undefined) return;
  const own = new URL(c.req.url);
  const forwardedHost = c.req.header("host");
  const expected = forwardedHost ? `${own.protocol}//${forwardedHost}` : own.origin;
  if (origin === own.origin || origin === expected) return;
  throw new ApiError(
    403,
    "forbidden",
    `${what} must come from this site (Origin ${origin} is not ${own.origin})`,
  );
}
