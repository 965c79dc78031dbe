/**
 * Decrypted tenant secrets kept per isolate for a few seconds, so a fan-out or a chain whose
 * nodes send the same secret reads D1 and decrypts once, not per request (a D1 round trip on
 * every secret-bearing call was 3-5 ms locally, more when deployed). A change through the API
 * drops the entry in the isolate that served it at once; other isolates see it within
 * `SECRET_CACHE_MS` (SECURITY.md). Secrets that do not exist are not cached, so a new one works
 * at once.
 */

export interface CachedSecret {
  value: string;
  /** null: unbound, it may be sent to any host. */
  allowedHosts: string[] | null;
}

export const SECRET_CACHE_MS = 5_000;
/** Entries kept at most; the oldest go first. */
const MAX_ENTRIES = 1_000;

const entries = new Map<string, { secret: CachedSecret; until: number }>();
const keyOf = (tenantId: string, name: string) => `${tenantId}\u0000${name}`;

/** The secret if this isolate read it less than `SECRET_CACHE_MS` ago. */
export function cachedSecret(
  tenantId: string,
  name: string,
  now: number,
): CachedSecret | undefined {
  const key = keyOf(tenantId, name);
  const hit = entries.get(key);
  if (!hit) return undefined;
  if (hit.until > now) return hit.secret;
  entries.delete(key);
  return undefined;
}

export function rememberSecret(
  tenantId: string,
  name: string,
  secret: CachedSecret,
  now: number,
): void {
  const key = keyOf(tenantId, name);
  entries.delete(key);
  entries.set(key, { secret, until: now + SECRET_CACHE_MS });
  if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
}

/** A secret was set, rebound or deleted: this isolate reads it afresh next time. */
export function forgetSecret(tenantId: string, name: string): void {
  entries.delete(keyOf(tenantId, name));
}
