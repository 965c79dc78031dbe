import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { effectiveScopes, type Role } from "../../core/people/roles";
import { findLiveKey } from "../../db/api-keys";
import { findSession } from "../../db/sessions";
import { ApiError } from "./errors";
import { readSessionCookie, requireCsrfHeader, requireSameOrigin } from "./session";
import type { AppEnv, SignedIn } from "./types";

/** SHA-256 hex: API keys are high-entropy, so a fast hash is the right tool; only the hash is stored. */
export async function hashKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Bearer keys are cached per isolate for 30 s, so a key revoked in one isolate works in others
 * for at most that long. Sessions are not cached: each request reads its row (joined with the
 * key), so a revoked key's sessions end at once everywhere.
 */
const CACHE_MS = 30_000;
const cache = new Map<string, { signedIn: Omit<SignedIn, "session">; until: number }>();

/** Drops a revoked key from this isolate's cache at once. */
export function forgetKey(hash: string): void {
  cache.delete(hash);
}

/** Drops every key of a user from this isolate's cache at once (their roles changed). */
export function forgetUserKeys(userId: string): void {
  for (const [hash, entry] of cache) if (entry.signedIn.userId === userId) cache.delete(hash);
}

/** Drops every key of a tenant from this isolate's cache at once (its data is being deleted). */
export function forgetTenantKeys(tenantId: string): void {
  for (const [hash, entry] of cache) if (entry.signedIn.tenantId === tenantId) cache.delete(hash);
}

/** Looks a key up (from this isolate's cache unless `fresh`), or refuses it with 401. */
export async function keyByValue(
  c: Context<AppEnv>,
  key: string,
  fresh = false,
): Promise<SignedIn> {
  const hash = await hashKey(key);
  let hit = fresh ? undefined : cache.get(hash);
  if (!hit || hit.until < Date.now()) {
    const row = await findLiveKey(c.env.DB, hash);
    if (!row) {
      throw new ApiError(
        401,
        "unauthorized",
        "invalid or revoked API key (or its user was deleted)",
      );
    }
    const roles = JSON.parse(row.roles) as Role[];
    hit = {
      signedIn: {
        tenantId: row.tenantId,
        scopes: effectiveScopes(JSON.parse(row.scopes) as string[], roles),
        keyId: row.id,
        keyName: row.name,
        userId: row.userId,
        userName: row.userName,
        email: row.email,
        roles,
      },
      until: Date.now() + CACHE_MS,
    };
    cache.set(hash, hit);
  }
  return { ...hit.signedIn, session: null };
}

async function bySession(c: Context<AppEnv>, token: string): Promise<SignedIn> {
  const tokenHash = await hashKey(token);
  const row = await findSession(c.env.DB, tokenHash, Date.now());
  if (!row) {
    throw new ApiError(
      401,
      "unauthorized",
      "the session has ended (signed out, expired, its API key was revoked or its user deleted): sign in again",
    );
  }
  requireCsrfHeader(c);
  if (c.req.header("upgrade")?.toLowerCase() === "websocket") requireSameOrigin(c);
  const roles = row.roles as Role[];
  return {
    tenantId: row.tenantId,
    scopes: effectiveScopes(row.scopes, roles),
    keyId: row.keyId,
    keyName: row.keyName,
    userId: row.userId,
    userName: row.userName,
    email: row.email,
    roles,
    session: { tokenHash, expiresAt: row.expiresAt },
  };
}

/**
 * Authenticates with `Authorization: Bearer <key>` (API clients, the CLI) or, without that
 * header, the session cookie a browser got from `POST /api/sessions`. A credential is never
 * taken from the URL (request logs keep URLs): a `key` query parameter is refused outright.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.query("key") !== undefined) {
    throw new ApiError(
      400,
      "bad_request",
      "credentials are not accepted in a URL (`?key=`): send `Authorization: Bearer <key>`, or sign in with POST /api/sessions and let the session cookie go with the request",
    );
  }
  const header = c.req.header("authorization");
  const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const token = bearer === undefined ? readSessionCookie(c) : undefined;
  if (bearer === undefined && token === undefined) {
    throw new ApiError(
      401,
      "unauthorized",
      "missing API key: send `Authorization: Bearer <key>` (or sign in with POST /api/sessions)",
    );
  }
  const who = bearer !== undefined ? await keyByValue(c, bearer) : await bySession(c, token!);
  c.set("tenantId", who.tenantId);
  c.set("scopes", who.scopes);
  c.set("keyId", who.keyId);
  c.set("keyName", who.keyName);
  c.set("userId", who.userId);
  c.set("userName", who.userName);
  c.set("email", who.email);
  c.set("roles", who.roles);
  c.set("session", who.session);
  await next();
});
