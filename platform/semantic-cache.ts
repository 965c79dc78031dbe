import { casKey } from "../core/cas/hash";
import { findCacheEntry, putCacheEntry } from "../db/semantic-cache";
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
  const row = await findCacheEntry(env.DB, { tenantId, key, now });
  if (!row) return null;
  const blob = await env.BLOBS.get(casKey(row.outputHash));
  if (!blob) return null;
  return {
    output: JSON.parse(await blob.text()) as unknown,
    outputHash: row.outputHash,
    runId: row.runId,
    nodeId: row.nodeId,
    storedAt: row.createdAt,
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
  await putCacheEntry(env.DB, {
    tenantId: entry.tenantId,
    key: entry.key,
    kind: entry.kind,
    outputHash: hash,
    runId: entry.runId,
    nodeId: entry.nodeId,
    createdAt: entry.now,
    expiresAt: entry.now + entry.ttlSeconds * 1000,
  });
}
