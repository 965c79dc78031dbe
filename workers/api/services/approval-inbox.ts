import type { Context } from "hono";
import { page } from "../../../core/wire/cursor";
import type { ApprovalStatus } from "../../../core/wire/run-view";
import { type InboxKey, listInbox } from "../../../db/approvals";
import type { InboxApproval } from "../schemas/approval";
import { cursorOf } from "../schemas/params";
import type { AppEnv } from "../types";

/** An approval's place in the inbox: `[createdAt, runId, nodeId, attempt]`. */
export const INBOX_KEY = ["n", "s", "s", "n"] as const;

/** Which approvals of the inbox a request asks for. */
export interface InboxQuery {
  status: ApprovalStatus;
  /** `me`: only those the request's user may decide and has not voted on. */
  for: "me" | "anyone";
  limit: number;
  cursor?: string | undefined;
}

/**
 * One page of the tenant's approvals inbox, newest first, and the cursor of the next. The REST
 * inbox and the MCP server's `list_approvals` both call this.
 */
export async function inboxPage(
  c: Context<AppEnv>,
  query: InboxQuery,
): Promise<{ approvals: InboxApproval[]; nextCursor: string | null }> {
  const rows = await listInbox(c.env.DB, {
    tenantId: c.get("tenantId"),
    status: query.status,
    ...(query.for === "me"
      ? { mine: { userId: c.get("userId"), email: c.get("email"), roles: c.get("roles") } }
      : {}),
    limit: query.limit + 1,
    after: cursorOf<InboxKey>(query.cursor, INBOX_KEY),
  });
  const { items, nextCursor } = page(rows, query.limit, (a) => [
    a.createdAt,
    a.runId,
    a.nodeId,
    a.attempt,
  ]);
  return {
    nextCursor,
    approvals: items.map(
      ({ parentRunId, parentNodeId, parentItem, approvers, rejectIf, ...r }): InboxApproval => ({
        ...r,
        approvers:
          approvers === null ? null : (JSON.parse(approvers) as InboxApproval["approvers"]),
        rejectIf: rejectIf === "majority" ? "majority" : "any",
        parent:
          parentRunId === null || parentNodeId === null
            ? null
            : {
                runId: parentRunId,
                nodeId: parentNodeId,
                ...(parentItem === null ? {} : { item: parentItem }),
              },
        form: r.form === null ? null : (JSON.parse(r.form) as Record<string, unknown>),
        votes: JSON.parse(r.votes) as InboxApproval["votes"],
      }),
    ),
  };
}
