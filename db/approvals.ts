/**
 * D1 access for the approvals inbox (`approvals`), written by the RunObject's projection
 * (db/projection.ts) and read here, always within a tenant.
 */
import { and, desc, eq, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { approvals } from "./schema";

export type ApprovalRow = typeof approvals.$inferSelect;

/** The sort key of an approval in the inbox: `[createdAt, runId, nodeId, attempt]`. */
export type InboxKey = readonly [number, string, string, number];

/** The person an inbox is for (docs/PEOPLE.md): their id, email and roles. */
export interface InboxReader {
  userId: string;
  email: string | null;
  roles: readonly string[];
}

/**
 * A tenant's approvals in one status, newest first, `limit` rows after `after`; with `mine`,
 * only those the person may decide (unassigned, or assigned to their id, email or a role of
 * theirs) and has not voted on.
 */
export async function listInbox(
  db: D1Database,
  query: {
    tenantId: string;
    status: ApprovalRow["status"];
    limit: number;
    after?: InboxKey;
    mine?: InboxReader;
  },
): Promise<Omit<ApprovalRow, "tenantId">[]> {
  const filters: SQL[] = [
    eq(approvals.tenantId, query.tenantId),
    eq(approvals.status, query.status),
  ];
  if (query.mine) {
    const { userId, email, roles } = query.mine;
    const who = [userId, ...(email === null ? [] : [email.toLowerCase()])];
    filters.push(
      sql`(${approvals.approvers} IS NULL
        OR EXISTS (SELECT 1 FROM json_each(${approvals.approvers}, '$.users') WHERE lower(value) IN (${sql.join(
          who.map((w) => sql`${w}`),
          sql`, `,
        )}))
        OR EXISTS (SELECT 1 FROM json_each(${approvals.approvers}, '$.roles') WHERE value IN (${sql.join(
          (roles.length ? roles : [""]).map((r) => sql`${r}`),
          sql`, `,
        )})))`,
      sql`NOT EXISTS (SELECT 1 FROM json_each(${approvals.votes}) WHERE json_extract(value, '$.userId') = ${userId})`,
    );
  }
  if (query.after) {
    const [at, runId, nodeId, attempt] = query.after;
    filters.push(
      sql`(${approvals.createdAt}, ${approvals.runId}, ${approvals.nodeId}, ${approvals.attempt}) < (${at}, ${runId}, ${nodeId}, ${attempt})`,
    );
  }
  return drizzle(db)
    .select({
      runId: approvals.runId,
      nodeId: approvals.nodeId,
      attempt: approvals.attempt,
      iteration: approvals.iteration,
      parentRunId: approvals.parentRunId,
      parentNodeId: approvals.parentNodeId,
      parentItem: approvals.parentItem,
      workflowId: approvals.workflowId,
      status: approvals.status,
      message: approvals.message,
      form: approvals.form,
      required: approvals.required,
      approvers: approvals.approvers,
      rejectIf: approvals.rejectIf,
      votes: approvals.votes,
      createdAt: approvals.createdAt,
      expiresAt: approvals.expiresAt,
      decidedAt: approvals.decidedAt,
    })
    .from(approvals)
    .where(and(...filters))
    .orderBy(
      desc(approvals.createdAt),
      desc(approvals.runId),
      desc(approvals.nodeId),
      desc(approvals.attempt),
    )
    .limit(query.limit)
    .all();
}
