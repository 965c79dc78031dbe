import { decryptSealed, encryptSecret } from "./secrets";

/**
 * Webhook signatures: `X-Aob-Signature: sha256=<hex>` is HMAC-SHA256, under the trigger's
 * signing secret, of the bytes `<X-Aob-Timestamp>.<raw body>` (the timestamp in Unix seconds
 * as sent, one `.`, then the body exactly as sent). A timestamp more than
 * `SIGNATURE_TOLERANCE_SECONDS` from the server's clock is refused, so a captured delivery
 * cannot be replayed later. The check is `crypto.subtle.verify` with an HMAC key, which
 * compares in constant time.
 */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
export const TIMESTAMP_HEADER = "x-aob-timestamp";
export const SIGNATURE_HEADER = "x-aob-signature";

/** A new signing secret: `whsec_` and 32 random bytes, base64url. */
export function newSigningSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const b64 = btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replaceAll("=", "");
  return `whsec_${b64}`;
}

// Sealed like a tenant secret, under a name no tenant secret can have (names are identifiers),
// and bound to the workflow: a sealed value copied to another trigger does not decrypt.
const sealName = (workflowId: string) => `webhook-signing:${workflowId}`;

export function sealSigningSecret(
  env: Pick<Env, "AOB_SECRETS_KEY">,
  tenantId: string,
  workflowId: string,
  secret: string,
): Promise<string> {
  return encryptSecret(env, tenantId, sealName(workflowId), secret);
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/**
 * Checks one delivery's signature headers against its raw body.
 * @example
 * await verifyDelivery(env, sealed, tenantId, workflowId, headers, body, Date.now());
 */
export async function verifyDelivery(
  env: Pick<Env, "AOB_SECRETS_KEY">,
  sealed: string,
  tenantId: string,
  workflowId: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: Uint8Array,
  now: number,
): Promise<Verdict> {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || signature === undefined) {
    const missing = [
      timestamp === undefined ? "X-Aob-Timestamp" : "",
      signature === undefined ? "X-Aob-Signature" : "",
    ]
      .filter((name) => name !== "")
      .join(" and ");
    return {
      ok: false,
      reason: `this webhook requires a signature: ${missing} missing (see docs/API.md, "Webhook signatures")`,
    };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: "X-Aob-Timestamp must be Unix time in whole seconds" };
  }
  const skew = Math.abs(Math.floor(now / 1000) - Number(timestamp));
  if (skew > SIGNATURE_TOLERANCE_SECONDS) {
    return {
      ok: false,
      reason: `X-Aob-Timestamp is ${skew} s away from the server's clock; at most ${SIGNATURE_TOLERANCE_SECONDS} s is accepted (a stale or replayed delivery)`,
    };
  }
  const hex = /^sha256=([0-9a-fA-F]{64})$/.exec(signature)?.[1];
  if (!hex) {
    return { ok: false, reason: "X-Aob-Signature must be sha256=<64 hex digits>" };
  }
  const secret = await decryptSealed(env, tenantId, sealName(workflowId), sealed);
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const prefix = new TextEncoder().encode(`${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  const given = Uint8Array.from(hex.match(/../g)!, (h) => Number.parseInt(h, 16));
  const valid = await crypto.subtle.verify("HMAC", key, given, signed);
  return valid
    ? { ok: true }
    : {
        ok: false,
        reason: "X-Aob-Signature does not match: HMAC-SHA256 of `<timestamp>.<raw body>`",
      };
}
