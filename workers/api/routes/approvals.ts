import { z } from "@hono/zod-openapi";
import { page } from "../../../core/wire/cursor";
import { type InboxKey, listInbox } from "../../../db/approvals";
import { ApiError } from "../errors";
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
import { errors, json } from "../schemas/error";
import { cursorOf, cursorQuery, IdParam, limitQuery } from "../schemas/params";

/**
 * Deciding an approval (the UI and the CLI use this same route), and the approvals inbox.
 * Refusals (not waiting, already decided, bad form) change nothing.
 */
/** An approval's place in the inbox: `[createdAt, runId, nodeId, attempt]`. */
const INBOX_KEY = ["n", "s", "s", "n"] as const;

export const approvalRoutes = routes()
  .openapi(
    apiRoute("approve", {
      method: "post",
      path: "/runs/{id}/approvals/{nodeId}",
      summary: "Vote on a waiting approval node",
      description:
        "The voter is the API key's name. `required: N` needs N distinct keys; any rejection rejects. A refused vote records nothing.",
      tags: ["approvals"],
      request: {
        params: z.object({ id: IdParam, nodeId: z.string() }),
        body: { required: true, content: { "application/json": { schema: Decision } } },
      },
      responses: {
        200: json(Approval, "The approval with its votes so far"),
        ...errors(400, 404, 409, 413),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { id: runId, nodeId } = c.req.valid("param");
      const stub = await runStub(c.env, c.get("tenantId"), runId);
      const vote: { by: string; decision: "approve" | "reject"; comment?: string; data?: unknown } =
        {
          by: c.get("keyName"),
          decision: body.decision,
        };
      if (body.comment !== undefined) vote.comment = body.comment;
      if (body.data !== undefined) vote.data = body.data;
      const result = await stub.decide(nodeId, vote);
      if (!result.ok) {
        const code =
          result.status === 404
            ? "not_found"
            : result.status === 400
              ? "validation_failed"
              : "conflict";
        throw new ApiError(result.status, code, result.message, result.details);
      }
      return c.json(result.approval, 200);
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/approvals",
      summary: "The approvals inbox, newest first",
      tags: ["approvals"],
      request: {
        query: z.object({
          status: ApprovalStatus.default("pending").openapi({
            description: `One of ${APPROVAL_STATUSES.join(", ")}`,
          }),
          limit: limitQuery(100, 500),
          cursor: cursorQuery(INBOX_KEY),
        }),
      },
      responses: { 200: json(Inbox, "The approvals"), ...errors(400) },
    }),
    async (c) => {
      const { status, limit, cursor } = c.req.valid("query");
      const rows = await listInbox(c.env.DB, {
        tenantId: c.get("tenantId"),
        status,
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
            ({ parentRunId, parentNodeId, parentItem, ...r }): InboxApproval => ({
              ...r,
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
