import { casKey } from "../core/cas/hash";
import { copyHolds } from "../db/blobs";
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
 * Looks a semantic cache key up for a tenant's run: a live D1 row (not expired at `now`) whose
 * R2 blob exists. On a hit the run takes the holds the producing run has on response bodies
 * (an output may name them), so they live as long as this run too (docs/LIFECYCLE.md); a row
 * gone meanwhile (its run was deleted) is a miss. Anything else is a miss.
 * @example
 * const hit = await lookupCached(env, { tenantId: "t_a", runId: "r_1" }, key, Date.now());
 */
export async function lookupCached(
  env: Pick<Env, "DB" | "BLOBS">,
  who: { tenantId: string; runId: string },
  key: string,
  now: number,
): Promise<CacheHit | null> {
  const lookup = { tenantId: who.tenantId, key, now };
  const row = await findCacheEntry(env.DB, lookup);
  if (!row) return null;
  await copyHolds(env.DB, {
    tenantId: who.tenantId,
    fromRun: row.runId,
    toRun: who.runId,
    streamsOnly: true,
    at: now,
  });
  if (!(await findCacheEntry(env.DB, lookup))) return null;
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
