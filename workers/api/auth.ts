import { createMiddleware } from "hono/factory";
import { ApiError } from "./errors";
import type { AppEnv } from "./types";

/** SHA-256 hex: API keys are high-entropy, so a fast hash is the right tool; only the hash is stored. */
export async function hashKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const CACHE_MS = 30_000;
const cache = new Map<
  string,
  { tenantId: string; scopes: string[]; keyId: string; keyName: string; until: number }
>();

/** Drops a revoked key from this isolate's cache at once. */
export function forgetKey(hash: string): void {
  cache.delete(hash);
}

/**
 * Bearer authentication against `api_keys` in D1 (hash lookup; revoked keys refused). Browsers
 * cannot set headers on a WebSocket, so the upgrade may pass the key as `?key=` instead.
 */
export const authenticate = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  const key = bearer ?? (c.req.header("upgrade") === "websocket" ? c.req.query("key") : undefined);
  if (!key) {
    throw new ApiError(401, "unauthorized", "missing API key: send `Authorization: Bearer <key>`");
  }
  const hash = await hashKey(key);
  let hit = cache.get(hash);
  if (!hit || hit.until < Date.now()) {
    const row = await c.env.DB.prepare(
      "SELECT id, name, tenant_id, scopes FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL",
    )
      .bind(hash)
      .first<{ id: string; name: string; tenant_id: string; scopes: string }>();
    if (!row) throw new ApiError(401, "unauthorized", "invalid or revoked API key");
    hit = {
      tenantId: row.tenant_id,
      scopes: JSON.parse(row.scopes) as string[],
      keyId: row.id,
      keyName: row.name,
      until: Date.now() + CACHE_MS,
    };
    cache.set(hash, hit);
  }
  c.set("tenantId", hit.tenantId);
  c.set("scopes", hit.scopes);
  c.set("keyId", hit.keyId);
  c.set("keyName", hit.keyName);
  await next();
});
