/**
 * D1 access for the approvals inbox (`approvals`), written by the RunObject's projection
 * (db/projection.ts) and read here, always within a tenant.
 */
import { and, desc, eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { approvals } from "./schema";

export type ApprovalRow = typeof approvals.$inferSelect;

/** A tenant's approvals in one status, newest first. */
export async function listInbox(
  db: D1Database,
  query: { tenantId: string; status: ApprovalRow["status"]; limit: number },
): Promise<Omit<ApprovalRow, "tenantId">[]> {
  return drizzle(db)
    .select({
      runId: approvals.runId,
      nodeId: approvals.nodeId,
      attempt: approvals.attempt,
      workflowId: approvals.workflowId,
      status: approvals.status,
      message: approvals.message,
      form: approvals.form,
      required: approvals.required,
      votes: approvals.votes,
      createdAt: approvals.createdAt,
      expiresAt: approvals.expiresAt,
      decidedAt: approvals.decidedAt,
    })
    .from(approvals)
    .where(and(eq(approvals.tenantId, query.tenantId), eq(approvals.status, query.status)))
    .orderBy(desc(approvals.createdAt))
    .limit(query.limit)
    .all();
}
