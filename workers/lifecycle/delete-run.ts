/**
 * Deleting a run everywhere (docs/LIFECYCLE.md): its object's storage, its D1 rows, and the
 * blobs nothing else holds. Every step is idempotent and the run's own row goes last, so a
 * deletion that stops half-way (a crash, a failed write) is finished by calling this again; the
 * retention sweep does that for every run marked `deleting_at`.
 */
import {
  deleteRunRow,
  forgetReleased,
  markDeleting,
  releasedKeys,
  releaseRunRows,
  runForDeletion,
  unmarkDeleting,
  unnamedKeys,
  unreferencedKeys,
} from "../../db/lifecycle";
import { runObject } from "../../durable-objects/run/rpc";

/** What one deletion freed. */
export interface Freed {
  /** D1 rows deleted, the run's own included. */
  rows: number;
  /** R2 objects deleted. */
  blobs: number;
  /** Their bytes, as recorded. */
  bytes: number;
}

export type Deletion =
  | ({ ok: true } & Freed)
  | { ok: false; code: "not_found" }
  | { ok: false; code: "run_active"; status: string };

/** R2 keys checked and deleted per D1 query (D1 binds at most 100 parameters). */
const KEYS_PER_ROUND = 90;

/**
 * Deletes run `runId`; with `tenantId`, only if it is that tenant's (another tenant's run is
 * not found). An active run is refused and left as it was.
 * @example
 * const deleted = await deleteRun(env, "r_123", { tenantId: "t_a" });
 * if (!deleted.ok && deleted.code === "run_active") // cancel it first
 */
export async function deleteRun(
  env: Pick<Env, "DB" | "BLOBS" | "RUNS">,
  runId: string,
  scope: { tenantId?: string; now?: number } = {},
): Promise<Deletion> {
  const run = await runForDeletion(env.DB, runId);
  if (!run || (scope.tenantId !== undefined && run.tenantId !== scope.tenantId)) {
    return { ok: false, code: "not_found" };
  }
  const now = scope.now ?? Date.now();
  const marked = run.deletingAt === null && (await markDeleting(env.DB, runId, now));
  const purged = await runObject(env, runId).purge();
  if (!purged.ok) {
    if (marked) await unmarkDeleting(env.DB, runId);
    return { ok: false, code: "run_active", status: purged.status };
  }
  const freed: Freed = { rows: 0, blobs: 0, bytes: 0 };
  freed.rows += await releaseRunRows(env.DB, run, now);
  await releaseBlobs(env, runId, freed);
  await deleteOrphans(env, runId, freed);
  freed.rows += await deleteRunRow(env.DB, runId);
  return { ok: true, ...freed };
}

/** Deletes from R2 each key the run released that no hold names any more, in rounds. */
async function releaseBlobs(
  env: Pick<Env, "DB" | "BLOBS">,
  runId: string,
  freed: Freed,
): Promise<void> {
  for (;;) {
    const released = await releasedKeys(env.DB, runId, KEYS_PER_ROUND);
    if (released.length === 0) return;
    const keys = released.map((r) => r.key);
    const gone = await unreferencedKeys(env.DB, runId, keys, Date.now());
    if (gone.length > 0) await env.BLOBS.delete(gone);
    const bytes = new Map(released.map((r) => [r.key, r.bytes]));
    freed.blobs += gone.length;
    for (const key of gone) freed.bytes += bytes.get(key) ?? 0;
    await forgetReleased(env.DB, runId, keys);
  }
}

/**
 * Objects under the run's own prefixes that no hold names: a job kept by reference whose
 * result never came, a streamed body whose record was never written (a crash in between).
 */
async function deleteOrphans(
  env: Pick<Env, "DB" | "BLOBS">,
  runId: string,
  freed: Freed,
): Promise<void> {
  for (const prefix of [`jobs/${runId}/`, `cas/stream/${runId}/`]) {
    let cursor: string | undefined;
    do {
      const page = await env.BLOBS.list({
        prefix,
        limit: KEYS_PER_ROUND,
        ...(cursor ? { cursor } : {}),
      });
      const keys = page.objects.map((o) => o.key);
      // A job is only ever the run's; a streamed body may be held by another run (a replay).
      const unheld = new Set(prefix.startsWith("jobs/") ? keys : await unnamedKeys(env.DB, keys));
      const orphans = page.objects.filter((o) => unheld.has(o.key));
      if (orphans.length > 0) await env.BLOBS.delete(orphans.map((o) => o.key));
      freed.blobs += orphans.length;
      for (const o of orphans) freed.bytes += o.size;
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
  }
}
