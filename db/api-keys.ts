/**
 * D1 access for API keys (`api_keys`): only a key's SHA-256 is stored. Revocation, which also
 * ends the key's sessions and lists its sockets, is in db/sessions.ts.
 */
import { and, asc, eq, isNull, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { apiKeys, users } from "./schema";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** A live key with the user it acts as (docs/PEOPLE.md). */
export interface LiveKey {
  id: string;
  name: string;
  tenantId: string;
  /** JSON array of the key's own scopes. */
  scopes: string;
  userId: string;
  userName: string;
  email: string | null;
  /** JSON array of the user's roles. */
  roles: string;
}

/** The key with this hash and its user, unless the key was revoked or the user deleted. */
export async function findLiveKey(db: D1Database, keyHash: string): Promise<LiveKey | undefined> {
  return drizzle(db)
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      tenantId: apiKeys.tenantId,
      scopes: apiKeys.scopes,
      userId: users.id,
      userName: users.name,
      email: users.email,
      roles: users.roles,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.userId))
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt), isNull(users.deletedAt)))
    .get();
}

/** Stores a new key (by its hash; `scopes` is the JSON array). */
export async function insertKey(
  db: D1Database,
  key: Pick<ApiKeyRow, "id" | "tenantId" | "name" | "keyHash" | "scopes" | "createdAt"> & {
    userId: string;
  },
): Promise<void> {
  await drizzle(db).insert(apiKeys).values(key).run();
}

/** A tenant's keys (or one user's), oldest first, without their hashes. */
export async function listKeys(
  db: D1Database,
  query: { tenantId: string; userId?: string; limit: number; after?: readonly [number, string] },
): Promise<Pick<ApiKeyRow, "id" | "name" | "scopes" | "userId" | "createdAt" | "revokedAt">[]> {
  const filters: SQL[] = [eq(apiKeys.tenantId, query.tenantId)];
  if (query.userId !== undefined) filters.push(eq(apiKeys.userId, query.userId));
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
      userId: apiKeys.userId,
      createdAt: apiKeys.createdAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys)
    .where(and(...filters))
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
    .limit(query.limit)
    .all();
}
