import type { Context } from "hono";
import type { ApprovalRequest, DecisionRefusal } from "../../../durable-objects/run/approvals";
import type { Ballot } from "../../../durable-objects/run/rpc";
import { audit } from "../audit";
import { ApiError, type ErrorCode } from "../errors";
import { runStub } from "../run-stub";
import type { Decision } from "../schemas/approval";
import type { AppEnv } from "../types";

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

/**
 * The request's user votes on a waiting approval node of a tenant's run (404 for another
 * tenant's). The run checks the rest and records nothing it refuses: assignment (403
 * `not_assigned`), one vote per user (409), the form (400 with paths), not waiting or already
 * decided (409). A recorded vote is audited as `approval.decide`. The REST route and the MCP
 * server's `decide_approval` both call this.
 */
export async function decideApproval(
  c: Context<AppEnv>,
  target: { runId: string; nodeId: string },
  body: Decision,
): Promise<ApprovalRequest> {
  const { runId, nodeId } = target;
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
  return result.approval;
}
