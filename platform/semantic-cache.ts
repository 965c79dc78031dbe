import { casKey } from "../core/cas/hash";
import { putBlob } from "./cas";
import { addressOf } from "./hash";

/** A reusable output found under a key, with where it came from. */
export interface CacheHit {
  output: unknown;
  outputHash: string;
  runId: string;
  nodeId: string;
  storedAt: number;
}

/**
 * Looks a semantic cache key up for a tenant: a live D1 row (not expired at `now`) whose R2
 * blob exists. Anything else is a miss.
 * @example
 * const hit = await lookupCached(env, "t_a", key, Date.now());
 */
export async function lookupCached(
  env: Pick<Env, "DB" | "BLOBS">,
  tenantId: string,
  key: string,
  now: number,
): Promise<CacheHit | null> {
  const row = await env.DB.prepare(
    `SELECT output_hash, run_id, node_id, created_at FROM semantic_cache
     WHERE tenant_id = ? AND key = ? AND expires_at > ?`,
  )
    .bind(tenantId, key, now)
    .first<{ output_hash: string; run_id: string; node_id: string; created_at: number }>();
  if (!row) return null;
  const blob = await env.BLOBS.get(casKey(row.output_hash));
  if (!blob) return null;
  return {
    output: JSON.parse(await blob.text()) as unknown,
    outputHash: row.output_hash,
    runId: row.run_id,
    nodeId: row.node_id,
    storedAt: row.created_at,
  };
}

/**
 * Stores an output under a key for `ttlSeconds`: the blob first (content-addressed, so a
 * second write is a no-op), then the D1 row, replacing an older entry of the same key. Also
 * drops up to 100 expired rows, so the table does not keep what no lookup can return.
 */
export async function storeCached(
  env: Pick<Env, "DB" | "BLOBS">,
  entry: {
    tenantId: string;
    key: string;
    kind: string;
    output: unknown;
    runId: string;
    nodeId: string;
    ttlSeconds: number;
    now: number;
  },
): Promise<void> {
  const { hash, json } = addressOf(entry.output);
  await putBlob(env.BLOBS, hash, json);
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO semantic_cache (tenant_id, key, kind, output_hash, run_id, node_id, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, key) DO UPDATE SET kind = excluded.kind, output_hash = excluded.output_hash,
         run_id = excluded.run_id, node_id = excluded.node_id, created_at = excluded.created_at,
         expires_at = excluded.expires_at`,
    ).bind(
      entry.tenantId,
      entry.key,
      entry.kind,
      hash,
      entry.runId,
      entry.nodeId,
      entry.now,
      entry.now + entry.ttlSeconds * 1000,
    ),
    env.DB.prepare(
      `DELETE FROM semantic_cache WHERE rowid IN
         (SELECT rowid FROM semantic_cache WHERE expires_at <= ? LIMIT 100)`,
    ).bind(entry.now),
  ]);
}
