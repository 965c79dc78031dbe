/**
 * D1 access for API keys (`api_keys`): only a key's SHA-256 is stored. Revocation, which also
 * ends the key's sessions and lists its sockets, is in db/sessions.ts.
 */
import { and, asc, eq, isNull, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { apiKeys } from "./schema";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** The key with this hash, unless it was revoked. */
export async function findLiveKey(
  db: D1Database,
  keyHash: string,
): Promise<Pick<ApiKeyRow, "id" | "name" | "tenantId" | "scopes"> | undefined> {
  return drizzle(db)
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      tenantId: apiKeys.tenantId,
      scopes: apiKeys.scopes,
    })
    .from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
    .get();
}

/** Stores a new key (by its hash; `scopes` is the JSON array). */
export async function insertKey(
  db: D1Database,
  key: Pick<ApiKeyRow, "id" | "tenantId" | "name" | "keyHash" | "scopes" | "createdAt">,
): Promise<void> {
  await drizzle(db).insert(apiKeys).values(key).run();
}

/** A tenant's keys, oldest first, without their hashes. */
export async function listKeys(
  db: D1Database,
  query: { tenantId: string; limit: number; after?: readonly [number, string] },
): Promise<Pick<ApiKeyRow, "id" | "name" | "scopes" | "createdAt" | "revokedAt">[]> {
  const filters: SQL[] = [eq(apiKeys.tenantId, query.tenantId)];
  if (query.after) {
    filters.push(
      sql`(${apiKeys.createdAt}, ${apiKeys.id}) > (${query.after[0]}, ${query.after[1]})`,
    );
  }
  return drizzle(db)
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      scopes: apiKeys.scopes,
      createdAt: apiKeys.createdAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(and(...filters))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
    .limit(query.limit)
    .all();
}
