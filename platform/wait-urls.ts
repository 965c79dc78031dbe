/**
 * A wait's signed URL (docs/COMPOSITION.md): `/api/events/signed/<token>` completes one wait
 * node's attempt without an API key, for systems that can only call a URL. The token is
 * `<payload>.<signature>`, both base64url: the payload names the tenant, run, node, attempt and
 * expiry; the signature is HMAC-SHA256 under a key derived (HKDF) from `AOB_SECRETS_KEY` for
 * this use only. The URL is single-use because the wait it names takes one event: the run
 * refuses a second (409).
 */

import { signToken, verifyToken } from "./signed-token";

export interface WaitUrlClaim {
  tenantId: string;
  runId: string;
  nodeId: string;
  attempt: number;
  /** Epoch ms after which the URL is refused. */
  expiresAt: number;
}

/** How long a URL lasts when its wait has no timeout. */
export const WAIT_URL_DEFAULT_TTL_MS = 30 * 24 * 3600 * 1000;

export const WAIT_URL_PREFIX = "/api/events/signed/";

/** The HKDF purpose of a wait URL's key. */
const PURPOSE = "aob wait url v1";

/** The path of a wait's signed URL; null when the platform has no `AOB_SECRETS_KEY` to sign with. */
export async function signWaitUrl(
  env: Pick<Env, "AOB_SECRETS_KEY">,
  claim: WaitUrlClaim,
): Promise<string | null> {
  const token = await signToken(env, PURPOSE, [
    claim.tenantId,
    claim.runId,
    claim.nodeId,
    claim.attempt,
    claim.expiresAt,
  ]);
  return token === null ? null : `${WAIT_URL_PREFIX}${token}`;
}

export type WaitUrlVerdict =
  | { ok: true; claim: WaitUrlClaim }
  | { ok: false; status: 403 | 410; code: string; message: string };

const forged: WaitUrlVerdict = {
  ok: false,
  status: 403,
  code: "invalid_signature",
  message: "this URL was not signed by this aob",
};

/** Checks a token: signed here (compared in constant time by `verify`) and not expired. */
export async function verifyWaitUrl(
  env: Pick<Env, "AOB_SECRETS_KEY">,
  token: string,
  now: number,
): Promise<WaitUrlVerdict> {
  const payload = await verifyToken(env, PURPOSE, token);
  if (!payload) return forged;
  const [tenantId, runId, nodeId, attempt, expiresAt] = payload as [
    string,
    string,
    string,
    number,
    number,
  ];
  if (now > expiresAt) {
    return {
      ok: false,
      status: 410,
      code: "url_expired",
      message: `this URL expired at ${new Date(expiresAt).toISOString()}`,
    };
  }
  return { ok: true, claim: { tenantId, runId, nodeId, attempt, expiresAt } };
}
