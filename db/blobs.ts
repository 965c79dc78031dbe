/**
 * D1 access for the blobs a tenant may read (`blobs`, db/schema.ts; docs/PAYLOADS.md) and for
 * releasing them when runs are deleted (`blob_deletions`; docs/LIFECYCLE.md, "Blobs").
 */
import { and, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { blobs } from "./schema";

export interface BlobRecord {
  tenantId: string;
  hash: string;
  /** The R2 key holding the bytes. */
  key: string;
  bytes: number;
  contentType: string;
  /** The run that holds it. */
  runId: string;
  createdAt: number;
}

/**
 * A deleter checks and deletes within this long of refreshing its tombstone (ms); an older
 * tombstone is a deletion that stopped, which rechecks before it deletes when it resumes.
 */
export const TOMBSTONE_FRESH_MS = 30_000;
const TOMBSTONE_POLL_MS = 50;

/**
 * Records that each row's run holds its blob, before the blob is written to R2, and returns once
 * no live deletion names one of their keys: a writer that then finds the object present may
 * skip writing it, since no deleter can still remove it (docs/LIFECYCLE.md, "Blobs"). A hold
 * the run already has moves to the row's key (a stream whose earlier copy was deleted).
 */
export async function holdBlobs(db: D1Database, rows: BlobRecord[]): Promise<void> {
  const orm = drizzle(db);
  // D1 binds at most 100 parameters per statement: 7 columns a row.
  for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
    await orm
      .insert(blobs)
      .values(rows.slice(at, at + ROWS_PER_INSERT))
      .onConflictDoUpdate({
        target: [blobs.tenantId, blobs.hash, blobs.runId],
        set: { key: sql`excluded.key`, bytes: sql`excluded.bytes` },
      });
  }
  await waitOutDeletions(db, [...new Set(rows.map((row) => row.key))]);
}

const ROWS_PER_INSERT = 14;

/** Resolves once no fresh tombstone names one of `keys`. */
export async function waitOutDeletions(db: D1Database, keys: string[]): Promise<void> {
  for (let at = 0; at < keys.length; at += KEYS_PER_QUERY) {
    const chunk = keys.slice(at, at + KEYS_PER_QUERY);
    const marks = chunk.map(() => "?").join(", ");
    for (;;) {
      const live = await db
        .prepare(`SELECT 1 FROM blob_deletions WHERE key IN (${marks}) AND at > ? LIMIT 1`)
        .bind(...chunk, Date.now() - TOMBSTONE_FRESH_MS)
        .first();
      if (!live) break;
      await new Promise((resolve) => setTimeout(resolve, TOMBSTONE_POLL_MS));
    }
  }
}

const KEYS_PER_QUERY = 90;

/**
 * Gives run `toRun` the holds of run `fromRun` (a replay of it; with `streamsOnly`, a cache hit
 * on one of its outputs, whose response bodies an output may name): the blobs then live as long
 * as either run. Answers how many holds were copied.
 */
export async function copyHolds(
  db: D1Database,
  copy: { tenantId: string; fromRun: string; toRun: string; streamsOnly?: boolean; at: number },
): Promise<number> {
  const only = copy.streamsOnly ? ` AND content_type != 'application/json'` : "";
  const result = await db
    .prepare(
      `INSERT OR IGNORE INTO blobs (tenant_id, hash, key, bytes, content_type, run_id, created_at)
       SELECT tenant_id, hash, key, bytes, content_type, ?, ? FROM blobs
       WHERE run_id = ? AND tenant_id = ?${only}`,
    )
    .bind(copy.toRun, copy.at, copy.fromRun, copy.tenantId)
    .run();
  const keys = await db
    .prepare(`SELECT DISTINCT key FROM blobs WHERE run_id = ?`)
    .bind(copy.toRun)
    .all<{ key: string }>();
  await waitOutDeletions(
    db,
    keys.results.map((row) => row.key),
  );
  return result.meta.changes ?? 0;
}

/** The tenant's record of a blob, or null when the tenant holds no such hash. */
export async function tenantBlob(
  db: D1Database,
  tenantId: string,
  hash: string,
): Promise<Pick<BlobRecord, "key" | "bytes" | "contentType"> | null> {
  const row = await drizzle(db)
    .select({ key: blobs.key, bytes: blobs.bytes, contentType: blobs.contentType })
    .from(blobs)
    .where(and(eq(blobs.tenantId, tenantId), eq(blobs.hash, hash)))
    .limit(1)
    .get();
  return row ?? null;
}
