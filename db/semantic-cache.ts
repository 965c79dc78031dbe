/**
 * D1 access for the semantic cache (`semantic_cache`): which output (an R2 blob by hash) a
 * tenant's key maps to, until when, and which run and node produced it.
 */
import { and, eq, gt, inArray, lte, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { semanticCache } from "./schema";

export type CacheRow = typeof semanticCache.$inferSelect;

/** A tenant's entry under `key`, unless it expired at `now`. */
export async function findCacheEntry(
  db: D1Database,
  lookup: { tenantId: string; key: string; now: number },
): Promise<Pick<CacheRow, "outputHash" | "runId" | "nodeId" | "createdAt"> | undefined> {
  return drizzle(db)
    .select({
      outputHash: semanticCache.outputHash,
      runId: semanticCache.runId,
      nodeId: semanticCache.nodeId,
      createdAt: semanticCache.createdAt,
    })
    .from(semanticCache)
    .where(
      and(
        eq(semanticCache.tenantId, lookup.tenantId),
        eq(semanticCache.key, lookup.key),
        gt(semanticCache.expiresAt, lookup.now),
      ),
    )
    .get();
}

/**
 * Stores an entry, replacing an older one under the same key, and drops up to 100 expired rows
 * (at `createdAt`), so the table does not keep what no lookup can return. One batch.
 */
export async function putCacheEntry(db: D1Database, entry: CacheRow): Promise<void> {
  const orm = drizzle(db);
  await orm.batch([
    orm
      .insert(semanticCache)
      .values(entry)
      .onConflictDoUpdate({
        target: [semanticCache.tenantId, semanticCache.key],
        set: {
          kind: sql`excluded.kind`,
          outputHash: sql`excluded.output_hash`,
          runId: sql`excluded.run_id`,
          nodeId: sql`excluded.node_id`,
          createdAt: sql`excluded.created_at`,
          expiresAt: sql`excluded.expires_at`,
        },
      }),
    // SQLite's DELETE has no LIMIT here: the rowid subquery bounds it.
    orm
      .delete(semanticCache)
      .where(
        inArray(
          sql`rowid`,
          orm
            .select({ rowid: sql`rowid` })
            .from(semanticCache)
            .where(lte(semanticCache.expiresAt, entry.createdAt))
            .limit(100),
        ),
      ),
  ]);
}
