/**
 * A wait's signed URL (docs/COMPOSITION.md): `/api/events/signed/<token>` completes one wait
 * node's attempt without an API key, for systems that can only call a URL. The token is
 * `<payload>.<signature>`, both base64url: the payload names the tenant, run, node, attempt and
 * expiry; the signature is HMAC-SHA256 under a key derived (HKDF) from `AOB_SECRETS_KEY` for
 * this use only. The URL is single-use because the wait it names takes one event: the run
 * refuses a second (409).
 */

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

const encoder = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replaceAll("=", "");
}

function fromB64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  const padded = text.replaceAll("-", "+").replaceAll("_", "/");
  try {
    return Uint8Array.from(atob(padded + "=".repeat((4 - (padded.length % 4)) % 4)), (c) =>
      c.charCodeAt(0),
    );
  } catch {
    return null;
  }
}

async function signingKey(env: Pick<Env, "AOB_SECRETS_KEY">): Promise<CryptoKey | null> {
  const raw = env.AOB_SECRETS_KEY;
  if (!raw) return null;
  const master = await crypto.subtle.importKey(
    "raw",
    Uint8Array.from(atob(raw), (c) => c.charCodeAt(0)),
    "HKDF",
    false,
    ["deriveKey"],
  );
  return crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(0),
      info: encoder.encode("aob wait url v1"),
    },
    master,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

/** The path of a wait's signed URL; null when the platform has no `AOB_SECRETS_KEY` to sign with. */
export async function signWaitUrl(
  env: Pick<Env, "AOB_SECRETS_KEY">,
  claim: WaitUrlClaim,
): Promise<string | null> {
  const key = await signingKey(env);
  if (!key) return null;
  const payload = encoder.encode(
    JSON.stringify([claim.tenantId, claim.runId, claim.nodeId, claim.attempt, claim.expiresAt]),
  );
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, payload));
  return `${WAIT_URL_PREFIX}${b64url(payload)}.${b64url(signature)}`;
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
  const [payloadText, signatureText, extra] = token.split(".");
  if (payloadText === undefined || signatureText === undefined || extra !== undefined) {
    return forged;
  }
  const payload = fromB64url(payloadText);
  const signature = fromB64url(signatureText);
  const key = await signingKey(env);
  if (!payload || !signature || !key) return forged;
  if (!(await crypto.subtle.verify("HMAC", key, signature, payload))) return forged;
  const [tenantId, runId, nodeId, attempt, expiresAt] = JSON.parse(
    new TextDecoder().decode(payload),
  ) as [string, string, string, number, number];
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
