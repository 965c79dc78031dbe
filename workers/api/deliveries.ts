import { idempotencyWindowMs } from "../../core/limits/idempotency-window";
import * as deliveries from "../../db/deliveries";
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
  env: Pick<Env, "DB" | "AOB_IDEMPOTENCY_HOURS">,
  workflowId: string,
  key: string,
  now: number,
): Promise<Claim> {
  const runId = newId("run");
  if (await deliveries.insertDelivery(env.DB, { workflowId, key, runId, now })) {
    return { kind: "claimed", runId };
  }
  const seen = await deliveries.findDelivery(env.DB, { workflowId, key });
  if (!seen) return claimDelivery(env, workflowId, key, now); // freed meanwhile: claim again
  // Remembered for the window only (AOB_IDEMPOTENCY_HOURS): after it the key is new again.
  if (now - seen.createdAt >= idempotencyWindowMs(env.AOB_IDEMPOTENCY_HOURS)) {
    const renewed = { workflowId, key, claimedAt: seen.createdAt, now, runId };
    if (await deliveries.renewDelivery(env.DB, renewed)) return { kind: "claimed", runId };
    return claimDelivery(env, workflowId, key, now); // another repeat renewed it first
  }
  if (seen.started) return { kind: "seen", runId: seen.started };
  const age = now - seen.createdAt;
  if (age < CLAIM_LEASE_MS) {
    return {
      kind: "busy",
      retryAfterSeconds: Math.max(1, Math.ceil((CLAIM_LEASE_MS - age) / 1000)),
    };
  }
  // A claim from before run ids were recorded has none: no run can carry it, so take a new one.
  const taken = await deliveries.takeOverDelivery(env.DB, {
    workflowId,
    key,
    claimedAt: seen.createdAt,
    now,
    runId,
  });
  return taken !== undefined
    ? { kind: "claimed", runId: taken }
    : { kind: "busy", retryAfterSeconds: Math.ceil(CLAIM_LEASE_MS / 1000) };
}

/** Frees a key whose delivery started nothing (or a run that failed to start), for a retry. */
export async function releaseDelivery(
  env: Pick<Env, "DB">,
  workflowId: string,
  key: string,
  runId: string,
): Promise<void> {
  await deliveries.releaseDelivery(env.DB, { workflowId, key, runId });
}
