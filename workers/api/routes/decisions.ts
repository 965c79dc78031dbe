import type { Context } from "hono";
import { claimLink, linkUnused, releaseLink } from "../../../db/decision-links";
import { findUser, type UserRow } from "../../../db/users";
import { runObject } from "../../../durable-objects/run/rpc";
import { type DecisionLinkClaim, verifyDecisionLink } from "../../../platform/decision-links";
import { audit } from "../audit";
import { ApiError } from "../errors";
import * as example from "../examples/approvals";
import { publicRoute, routes } from "../route";
import { Approval } from "../schemas/approval";
import { errors, json, jsonBody } from "../schemas/error";
import { DecisionPage, DecisionToken, LinkDecision } from "../schemas/notification";
import { refusedDecision } from "../services/approval-decision";
import type { AppEnv } from "../types";

const tags = ["approvals"];

/** The link's claim and its assignee, or the refusal (403 forged, 410 expired or gone). */
async function open(
  c: Context<AppEnv>,
  token: string,
): Promise<{ claim: DecisionLinkClaim; user: UserRow }> {
  const verdict = await verifyDecisionLink(c.env, token, Date.now());
  if (!verdict.ok) {
    throw new ApiError(
      verdict.status,
      verdict.status === 410 ? "expired" : "forbidden",
      verdict.message,
    );
  }
  const { claim } = verdict;
  const user = await findUser(c.env.DB, claim.tenantId, claim.userId);
  if (!user || user.deletedAt !== null) {
    throw new ApiError(410, "expired", "the person this link was made for no longer exists");
  }
  return { claim, user };
}

/**
 * Decision links (docs/PEOPLE.md): the page a notification's link opens reads the approval
 * and decides it as the link's assignee, without signing in. The token travels in the body
 * (the page takes it from the URL's fragment), so no request line or log holds it. A link
 * works once; a refusal that may pass later (a form that does not validate) gives it back.
 */
export const decisionRoutes = routes()
  .openapi(
    publicRoute({
      method: "post",
      path: "/decisions/view",
      operationId: "viewDecisionLink",
      summary: "Read the approval a decision link is for (no API key)",
      tags,
      request: {
        body: jsonBody(DecisionToken, example.decisionToken),
      },
      responses: {
        200: json(DecisionPage, "The approval", example.decisionPage),
        ...errors(400, 403, 404, 410, 413),
      },
    }),
    async (c) => {
      const { claim, user } = await open(c, c.req.valid("json").token);
      const view = await runObject(c.env, claim.runId).get();
      const request = view?.approvals.find(
        (a) => a.nodeId === claim.nodeId && a.attempt === claim.attempt,
      );
      if (!view || !request) throw new ApiError(410, "expired", "the run or its approval is gone");
      return c.json(
        {
          runId: claim.runId,
          nodeId: claim.nodeId,
          attempt: claim.attempt,
          message: request.message,
          form: request.form ?? null,
          status: request.status,
          required: request.required,
          votes: request.votes.map(({ by, decision, at }) => ({ by, decision, at })),
          assignee: { id: user.id, name: user.name },
          expiresAt: claim.expiresAt,
          used: !(await linkUnused(c.env.DB, claim.id)),
        },
        200,
      );
    },
  )
  .openapi(
    publicRoute({
      method: "post",
      path: "/decisions",
      operationId: "decideByLink",
      summary: "Decide an approval through a decision link, as its assignee (no API key)",
      description:
        "Records the vote as the user the link was made for, exactly as their own key would (assignment, quorum, form). The link works once: a second use answers 409; an expired one 410; one not made by this aob 403.",
      tags,
      request: {
        body: jsonBody(LinkDecision, example.linkDecision),
      },
      responses: {
        200: json(Approval, "The approval with its votes so far", example.approval),
        ...errors(400, 403, 404, 409, 410, 413),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { claim, user } = await open(c, body.token);
      if (!(await claimLink(c.env.DB, claim.id, Date.now()))) {
        throw new ApiError(409, "conflict", "this decision link was used already (it works once)");
      }
      const result = await runObject(c.env, claim.runId).decide(claim.nodeId, {
        by: user.name,
        voter: { userId: user.id, email: user.email, roles: user.roles },
        decision: body.decision,
        ...(body.comment === undefined ? {} : { comment: body.comment }),
        ...(body.data === undefined ? {} : { data: body.data }),
      });
      if (!result.ok) {
        // A form to fix may be sent again; a decided approval or a second vote may not.
        if (result.status === 400) await releaseLink(c.env.DB, claim.id);
        throw refusedDecision(result);
      }
      await audit(
        c,
        "approval.decide",
        { type: "run", id: claim.runId },
        {
          nodeId: claim.nodeId,
          attempt: result.approval.attempt,
          decision: body.decision,
          via: "decision link",
        },
        { tenantId: claim.tenantId, userId: user.id, userName: user.name, keyId: null },
      );
      return c.json(result.approval, 200);
    },
  );
