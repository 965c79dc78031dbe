import { z } from "@hono/zod-openapi";
import { page } from "../../../core/wire/cursor";
import { type InboxKey, listInbox } from "../../../db/approvals";
import type { DecisionRefusal } from "../../../durable-objects/run/approvals";
import type { Ballot } from "../../../durable-objects/run/rpc";
import { audit } from "../audit";
import { ApiError, type ErrorCode } from "../errors";
import * as example from "../examples/approvals";
import { apiRoute, routes } from "../route";
import { runStub } from "../run-stub";
import {
  APPROVAL_STATUSES,
  Approval,
  ApprovalStatus,
  Decision,
  Inbox,
  type InboxApproval,
} from "../schemas/approval";
import { errors, json, jsonBody } from "../schemas/error";
import { cursorOf, cursorQuery, IdParam, limitQuery } from "../schemas/params";

/**
 * Deciding an approval (the UI and the CLI use this same route), and the approvals inbox.
 * Refusals (not waiting, already decided, bad form) change nothing.
 */
/** An approval's place in the inbox: `[createdAt, runId, nodeId, attempt]`. */
const INBOX_KEY = ["n", "s", "s", "n"] as const;

/** The API's answer to a vote the run refused (nothing was recorded). */
export function refusedDecision(refusal: DecisionRefusal): ApiError {
  const code: ErrorCode =
    refusal.status === 404
      ? "not_found"
      : refusal.status === 400
        ? "validation_failed"
        : refusal.status === 403
          ? "not_assigned"
          : "conflict";
  return new ApiError(refusal.status, code, refusal.message, refusal.details);
}

export const approvalRoutes = routes()
  .openapi(
    apiRoute("approve", {
      method: "post",
      path: "/runs/{id}/approvals/{nodeId}",
      operationId: "decideApproval",
      summary: "Vote on a waiting approval node",
      description:
        "The voter is the key's user (docs/PEOPLE.md). A quorum of N needs N distinct users (two keys of one user count once); one rejection rejects (a majority of the quorum under `rejectIf: majority`). A user the approval is not assigned to is refused with 403 `not_assigned`. A refused vote records nothing.",
      tags: ["approvals"],
      request: {
        params: z.object({ id: IdParam, nodeId: z.string() }),
        body: jsonBody(Decision, example.decision),
      },
      responses: {
        200: json(Approval, "The approval with its votes so far", example.approval),
        ...errors(400, 404, 409, 413),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { id: runId, nodeId } = c.req.valid("param");
      const stub = await runStub(c.env, c.get("tenantId"), runId);
      const vote: Ballot = {
        by: c.get("userName"),
        voter: { userId: c.get("userId"), email: c.get("email"), roles: c.get("roles") },
        decision: body.decision,
      };
      if (body.comment !== undefined) vote.comment = body.comment;
      if (body.data !== undefined) vote.data = body.data;
      const result = await stub.decide(nodeId, vote);
      if (!result.ok) throw refusedDecision(result);
      await audit(
        c,
        "approval.decide",
        { type: "run", id: runId },
        { nodeId, attempt: result.approval.attempt, decision: body.decision },
      );
      return c.json(result.approval, 200);
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/approvals",
      operationId: "listApprovals",
      summary: "The approvals inbox, newest first",
      tags: ["approvals"],
      request: {
        query: z.object({
          status: ApprovalStatus.default("pending").openapi({
            description: `One of ${APPROVAL_STATUSES.join(", ")}`,
          }),
          for: z.enum(["me", "anyone"]).default("anyone").openapi({
            description:
              "`me`: only approvals the caller may decide and has not voted on (assigned to them, or to anyone)",
          }),
          limit: limitQuery(100, 500),
          cursor: cursorQuery(INBOX_KEY),
        }),
      },
      responses: { 200: json(Inbox, "The approvals", example.inbox), ...errors(400) },
    }),
    async (c) => {
      const { status, limit, cursor, for: whose } = c.req.valid("query");
      const rows = await listInbox(c.env.DB, {
        tenantId: c.get("tenantId"),
        status,
        ...(whose === "me"
          ? {
              mine: {
                userId: c.get("userId"),
                email: c.get("email"),
                roles: c.get("roles"),
              },
            }
          : {}),
        limit: limit + 1,
        after: cursorOf<InboxKey>(cursor, INBOX_KEY),
      });
      const { items, nextCursor } = page(rows, limit, (a) => [
        a.createdAt,
        a.runId,
        a.nodeId,
        a.attempt,
      ]);
      return c.json(
        {
          nextCursor,
          approvals: items.map(
            ({
              parentRunId,
              parentNodeId,
              parentItem,
              approvers,
              rejectIf,
              ...r
            }): InboxApproval => ({
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
        },
        200,
      );
    },
  );
