import { z } from "@hono/zod-openapi";
import * as example from "../examples/approvals";
import { apiRoute, routes } from "../route";
import { APPROVAL_STATUSES, Approval, ApprovalStatus, Decision, Inbox } from "../schemas/approval";
import { errors, json, jsonBody } from "../schemas/error";
import { cursorQuery, IdParam, limitQuery } from "../schemas/params";
import { decideApproval } from "../services/approval-decision";
import { INBOX_KEY, inboxPage } from "../services/approval-inbox";

/**
 * Deciding an approval (the UI and the CLI use this same route), and the approvals inbox.
 * Refusals (not waiting, already decided, bad form) change nothing.
 */
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
      const { id: runId, nodeId } = c.req.valid("param");
      return c.json(await decideApproval(c, { runId, nodeId }, c.req.valid("json")), 200);
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
    async (c) => c.json(await inboxPage(c, c.req.valid("query")), 200),
  );
