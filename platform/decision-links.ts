/**
 * Decision links (docs/PEOPLE.md): `/decide#<token>` lets one assignee decide one approval
 * without signing in. The token is signed (platform/signed-token.ts, its own HKDF purpose)
 * and names the link's row, which makes it single-use (db/decision-links.ts). The token sits
 * in the URL's fragment, which browsers do not send to servers, so request logs never hold it.
 */

import { signToken, verifyToken } from "./signed-token";

const PURPOSE = "aob decision link v1";

export interface DecisionLinkClaim {
  /** The link's row. */
  id: string;
  tenantId: string;
  runId: string;
  nodeId: string;
  attempt: number;
  /** The assignee the decision is recorded as. */
  userId: string;
  expiresAt: number;
}

export function signDecisionLink(
  env: Pick<Env, "AOB_SECRETS_KEY">,
  c: DecisionLinkClaim,
): Promise<string | null> {
  return signToken(env, PURPOSE, [
    c.id,
    c.tenantId,
    c.runId,
    c.nodeId,
    c.attempt,
    c.userId,
    c.expiresAt,
  ]);
}

export type LinkVerdict =
  | { ok: true; claim: DecisionLinkClaim }
  | { ok: false; status: 403 | 410; code: "invalid_link" | "link_expired"; message: string };

/** A token signed here for a decision link, and not expired. */
export async function verifyDecisionLink(
  env: Pick<Env, "AOB_SECRETS_KEY">,
  token: string,
  now: number,
): Promise<LinkVerdict> {
  const payload = await verifyToken(env, PURPOSE, token);
  if (payload?.length !== 7) {
    return {
      ok: false,
      status: 403,
      code: "invalid_link",
      message: "this decision link was not made by this aob",
    };
  }
  const [id, tenantId, runId, nodeId, attempt, userId, expiresAt] = payload as [
    string,
    string,
    string,
    string,
    number,
    string,
    number,
  ];
  if (now > expiresAt) {
    return {
      ok: false,
      status: 410,
      code: "link_expired",
      message: `this decision link expired at ${new Date(expiresAt).toISOString()}`,
    };
  }
  return { ok: true, claim: { id, tenantId, runId, nodeId, attempt, userId, expiresAt } };
}
