/**
 * D1 access for workflow triggers (`triggers`): the webhook (by its token's hash), the cron
 * expression and the sealed signing secret, one row per workflow.
 */
import { and, asc, eq, gt, isNotNull, isNull, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { triggers, workflows } from "./schema";

export type TriggerRow = typeof triggers.$inferSelect;
/** What a workflow's triggers are, as the API reads and changes them. */
export type TriggerSettings = Pick<TriggerRow, "webhookTokenHash" | "cron" | "signingSecret">;

/** A workflow's triggers (found in its tenant first), if it has any. */
export async function findTriggers(
  db: D1Database,
  workflowId: string,
): Promise<TriggerSettings | undefined> {
  return drizzle(db)
    .select({
      webhookTokenHash: triggers.webhookTokenHash,
      cron: triggers.cron,
      signingSecret: triggers.signingSecret,
    })
    .from(triggers)
    .where(eq(triggers.workflowId, workflowId))
    .get();
}

/** The webhook of a workflow with this token hash: its tenant and sealed signing secret. */
export async function findWebhook(
  db: D1Database,
  workflowId: string,
  tokenHash: string,
): Promise<Pick<TriggerRow, "tenantId" | "signingSecret"> | undefined> {
  return drizzle(db)
    .select({ tenantId: triggers.tenantId, signingSecret: triggers.signingSecret })
    .from(triggers)
    .where(and(eq(triggers.workflowId, workflowId), eq(triggers.webhookTokenHash, tokenHash)))
    .get();
}

/** Writes a workflow's triggers, replacing what it had. */
export async function putTriggers(
  db: D1Database,
  row: Omit<TriggerRow, "updatedAt"> & { now: number },
): Promise<void> {
  await drizzle(db)
    .insert(triggers)
    .values({
      workflowId: row.workflowId,
      tenantId: row.tenantId,
      webhookTokenHash: row.webhookTokenHash,
      cron: row.cron,
      signingSecret: row.signingSecret,
      updatedAt: row.now,
    })
    .onConflictDoUpdate({
      target: triggers.workflowId,
      set: {
        webhookTokenHash: sql`excluded.webhook_token_hash`,
        cron: sql`excluded.cron`,
        signingSecret: sql`excluded.signing_secret`,
        updatedAt: sql`excluded.updated_at`,
      },
    })
    .run();
}

/** A scheduled trigger of a live workflow. */
export interface Schedule {
  workflowId: string;
  tenantId: string;
  cron: string;
}

/**
 * One keyset page of the schedules of live workflows, by workflow id after `after`: the
 * expressions only, so the cron handler reads a definition only for a trigger that is due.
 */
export async function schedulesAfter(
  db: D1Database,
  page: { after: string; limit: number },
): Promise<Schedule[]> {
  const rows = await drizzle(db)
    .select({ workflowId: triggers.workflowId, tenantId: triggers.tenantId, cron: triggers.cron })
    .from(triggers)
    .innerJoin(workflows, and(eq(workflows.id, triggers.workflowId), isNull(workflows.deletedAt)))
    .where(and(isNotNull(triggers.cron), gt(triggers.workflowId, page.after)))
    .orderBy(asc(triggers.workflowId))
    .limit(page.limit)
    .all();
  return rows.flatMap((r) => (r.cron === null ? [] : [{ ...r, cron: r.cron }]));
}
