/**
 * D1 access for trigger deliveries (`trigger_deliveries`): one row per (workflow, key), the
 * deduplication of webhook deliveries (`hook:`/`sig:` keys) and cron minutes (`cron:` keys).
 * The claim protocol built on these is in workers/api/deliveries.ts and workers/cron.ts.
 */
import { and, eq, isNull, ne, notExists, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { runs, triggerDeliveries } from "./schema";

/** A delivery's key: the workflow and the idempotency key. */
export interface DeliveryKey {
  workflowId: string;
  key: string;
}

/**
 * Records a delivery unless its key is already taken: true when this call recorded it.
 * `runId` is the run the delivery will start (null for a cron minute, set once started).
 */
export async function insertDelivery(
  db: D1Database,
  delivery: DeliveryKey & { runId: string | null; now: number },
): Promise<boolean> {
  const row = await drizzle(db)
    .insert(triggerDeliveries)
    .values({
      workflowId: delivery.workflowId,
      key: delivery.key,
      runId: delivery.runId,
      createdAt: delivery.now,
    })
    .onConflictDoNothing()
    .returning({ key: triggerDeliveries.key })
    .get();
  return row !== undefined;
}

/** A recorded delivery: the run it carries, when it was claimed, and that run's id if it exists. */
export async function findDelivery(
  db: D1Database,
  at: DeliveryKey,
): Promise<{ runId: string | null; createdAt: number; started: string | null } | undefined> {
  return drizzle(db)
    .select({
      runId: triggerDeliveries.runId,
      createdAt: triggerDeliveries.createdAt,
      started: runs.id,
    })
    .from(triggerDeliveries)
    .leftJoin(runs, eq(runs.id, triggerDeliveries.runId))
    .where(and(eq(triggerDeliveries.workflowId, at.workflowId), eq(triggerDeliveries.key, at.key)))
    .get();
}

/**
 * Takes over a claim whose lease ran out, if it is still the one read (`claimedAt`): renews it
 * at `now` and gives it `runId` when it carried none. Returns the run id the claim carries now,
 * or undefined when another request took it first.
 */
export async function takeOverDelivery(
  db: D1Database,
  claim: DeliveryKey & { claimedAt: number; now: number; runId: string },
): Promise<string | undefined> {
  const row = await drizzle(db)
    .update(triggerDeliveries)
    .set({
      createdAt: claim.now,
      runId: sql`coalesce(${triggerDeliveries.runId}, ${claim.runId})`,
    })
    .where(
      and(
        eq(triggerDeliveries.workflowId, claim.workflowId),
        eq(triggerDeliveries.key, claim.key),
        eq(triggerDeliveries.createdAt, claim.claimedAt),
      ),
    )
    .returning({ runId: triggerDeliveries.runId })
    .get();
  return row?.runId ?? undefined;
}

/**
 * Gives an expired key to a new delivery, if it is still the record read (`claimedAt`): a new
 * run id and claim time. True when this call took it.
 */
export async function renewDelivery(
  db: D1Database,
  claim: DeliveryKey & { claimedAt: number; now: number; runId: string },
): Promise<boolean> {
  const row = await drizzle(db)
    .update(triggerDeliveries)
    .set({ createdAt: claim.now, runId: claim.runId, error: null })
    .where(
      and(
        eq(triggerDeliveries.workflowId, claim.workflowId),
        eq(triggerDeliveries.key, claim.key),
        eq(triggerDeliveries.createdAt, claim.claimedAt),
      ),
    )
    .returning({ key: triggerDeliveries.key })
    .get();
  return row !== undefined;
}

/** Deletes up to `limit` delivery records claimed before `before`; answers how many. */
export async function pruneDeliveries(
  db: D1Database,
  before: number,
  limit: number,
): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM trigger_deliveries WHERE rowid IN
         (SELECT rowid FROM trigger_deliveries WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
    )
    .bind(before, limit)
    .run();
  return result.meta.changes ?? 0;
}

/** Frees a delivery's key for a retry, unless its run exists and has not failed. */
export async function releaseDelivery(
  db: D1Database,
  delivery: DeliveryKey & { runId: string },
): Promise<void> {
  const orm = drizzle(db);
  await orm
    .delete(triggerDeliveries)
    .where(
      and(
        eq(triggerDeliveries.workflowId, delivery.workflowId),
        eq(triggerDeliveries.key, delivery.key),
        eq(triggerDeliveries.runId, delivery.runId),
        notExists(
          orm
            .select({ one: sql`1` })
            .from(runs)
            .where(and(eq(runs.id, delivery.runId), ne(runs.status, "failed"))),
        ),
      ),
    )
    .run();
}

/** Records why a delivery started no run (JSON `{ code, message }`), while it has none. */
export async function recordDeliveryRefusal(
  db: D1Database,
  at: DeliveryKey & { error: string },
): Promise<void> {
  await drizzle(db)
    .update(triggerDeliveries)
    .set({ error: at.error })
    .where(
      and(
        eq(triggerDeliveries.workflowId, at.workflowId),
        eq(triggerDeliveries.key, at.key),
        isNull(triggerDeliveries.runId),
      ),
    )
    .run();
}

/** Records the run a delivery started. */
export async function recordDeliveryRun(
  db: D1Database,
  at: DeliveryKey & { runId: string },
): Promise<void> {
  await drizzle(db)
    .update(triggerDeliveries)
    .set({ runId: at.runId })
    .where(and(eq(triggerDeliveries.workflowId, at.workflowId), eq(triggerDeliveries.key, at.key)))
    .run();
}
