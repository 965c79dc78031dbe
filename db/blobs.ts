/** D1 access for the blobs a tenant may read (`blobs`, db/schema.ts; docs/PAYLOADS.md). */
import { and, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { blobs } from "./schema";

export interface BlobRecord {
  tenantId: string;
  hash: string;
  /** The R2 key holding the bytes. */
  key: string;
  bytes: number;
  contentType: string;
  runId: string;
  createdAt: number;
}

/** Grants the tenant access to each blob; a hash it already holds keeps its first record. */
export async function recordBlobs(db: D1Database, rows: BlobRecord[]): Promise<void> {
  const orm = drizzle(db);
  // D1 binds at most 100 parameters per statement: 7 columns a row.
  for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
    await orm
      .insert(blobs)
      .values(rows.slice(at, at + ROWS_PER_INSERT))
      .onConflictDoNothing();
  }
}

const ROWS_PER_INSERT = 14;

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
    .get();
  return row ?? null;
}
