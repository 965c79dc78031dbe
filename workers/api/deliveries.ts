import { newId } from "./ids";

/** How long a claimed webhook delivery may take to start its run before a repeat takes over. */
export const CLAIM_LEASE_MS = 30_000;

export type Claim =
  | { kind: "claimed"; runId: string }
  | { kind: "seen"; runId: string }
  | { kind: "busy"; retryAfterSeconds: number };

/**
 * Claims a webhook delivery key. The claim records the run id the delivery will start, so a
 * repeat can tell what happened: the run exists (answer it), the claim is fresh (busy), or the
 * claim is older than the lease with no run (its request died before starting: take it over
 * with the same run id; if that request is alive after all, the runs table's primary key lets
 * only one of the two start it).
 */
export async function claimDelivery(
  env: Pick<Env, "DB">,
  workflowId: string,
  key: string,
  now: number,
): Promise<Claim> {
  const runId = newId("run");
  const fresh = await env.DB.prepare(
    `INSERT INTO trigger_deliveries (workflow_id, key, run_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING run_id`,
  )
    .bind(workflowId, key, runId, now)
    .first<{ run_id: string }>();
  if (fresh) return { kind: "claimed", runId };
  const seen = await env.DB.prepare(
    `SELECT d.run_id, d.created_at, r.id AS started FROM trigger_deliveries d
     LEFT JOIN runs r ON r.id = d.run_id WHERE d.workflow_id = ? AND d.key = ?`,
  )
    .bind(workflowId, key)
    .first<{ run_id: string | null; created_at: number; started: string | null }>();
  if (!seen) return claimDelivery(env, workflowId, key, now); // freed meanwhile: claim again
  if (seen.started) return { kind: "seen", runId: seen.started };
  const age = now - seen.created_at;
  if (age < CLAIM_LEASE_MS) {
    return {
      kind: "busy",
      retryAfterSeconds: Math.max(1, Math.ceil((CLAIM_LEASE_MS - age) / 1000)),
    };
  }
  // A claim from before run ids were recorded has none: no run can carry it, so take a new one.
  const taken = await env.DB.prepare(
    `UPDATE trigger_deliveries SET created_at = ?, run_id = coalesce(run_id, ?)
     WHERE workflow_id = ? AND key = ? AND created_at = ? RETURNING run_id`,
  )
    .bind(now, runId, workflowId, key, seen.created_at)
    .first<{ run_id: string }>();
  return taken
    ? { kind: "claimed", runId: taken.run_id }
    : { kind: "busy", retryAfterSeconds: Math.ceil(CLAIM_LEASE_MS / 1000) };
}

/** Frees a key whose delivery started nothing (or a run that failed to start), for a retry. */
export async function releaseDelivery(
  env: Pick<Env, "DB">,
  workflowId: string,
  key: string,
  runId: string,
): Promise<void> {
  await env.DB.prepare(
    `DELETE FROM trigger_deliveries WHERE workflow_id = ? AND key = ? AND run_id = ?
     AND NOT EXISTS (SELECT 1 FROM runs WHERE id = ? AND status <> 'failed')`,
  )
    .bind(workflowId, key, runId, runId)
    .run();
}
