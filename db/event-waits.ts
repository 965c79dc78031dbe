/**
 * D1 access for `event_waits` (docs/COMPOSITION.md): where `POST /api/events` finds the runs of
 * a tenant waiting on an event's name and key. A run writes its wait's row before the wait
 * parks and removes its rows when it ends; deleting a run removes them too (db/lifecycle.ts).
 */
import { and, asc, eq, gt, isNull, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { eventWaits } from "./schema";

export interface WaitRegistration {
  tenantId: string;
  name: string;
  key: string | null;
  runId: string;
  nodeId: string;
  attempt: number;
  expiresAt: number | null;
}

/** Records a wait (replacing the node's previous one in this run). */
export async function registerWait(
  db: D1Database,
  wait: WaitRegistration,
  now: number,
): Promise<void> {
  await drizzle(db)
    .insert(eventWaits)
    .values({ ...wait, createdAt: now })
    .onConflictDoUpdate({
      target: [eventWaits.runId, eventWaits.nodeId],
      set: {
        name: wait.name,
        key: wait.key,
        attempt: wait.attempt,
        expiresAt: wait.expiresAt,
        createdAt: now,
      },
    });
}

/**
 * The waits of a tenant an event finds, oldest first, at most `limit`: its name, and its key
 * unless the wait takes any (an event without a key finds every wait on its name); not past
 * their timeout.
 */
export async function waitsFor(
  db: D1Database,
  event: { tenantId: string; name: string; key: string | null },
  now: number,
  limit: number,
): Promise<WaitRegistration[]> {
  const keyed =
    event.key === null ? undefined : or(eq(eventWaits.key, event.key), isNull(eventWaits.key));
  return drizzle(db)
    .select({
      tenantId: eventWaits.tenantId,
      name: eventWaits.name,
      key: eventWaits.key,
      runId: eventWaits.runId,
      nodeId: eventWaits.nodeId,
      attempt: eventWaits.attempt,
      expiresAt: eventWaits.expiresAt,
    })
    .from(eventWaits)
    .where(
      and(
        eq(eventWaits.tenantId, event.tenantId),
        eq(eventWaits.name, event.name),
        keyed,
        or(isNull(eventWaits.expiresAt), gt(eventWaits.expiresAt, now)),
      ),
    )
    .orderBy(asc(eventWaits.createdAt))
    .limit(limit)
    .all();
}

/** A run's waits are over (it ended): its rows go. */
export async function forgetWaits(db: D1Database, runId: string): Promise<void> {
  await drizzle(db).delete(eventWaits).where(eq(eventWaits.runId, runId));
}
