/**
 * Tokens this aob signs for a URL (a wait's signed URL, a decision link): `<payload>.<signature>`,
 * both base64url. The payload is a JSON array; the signature HMAC-SHA256 under a key derived
 * (HKDF) from `AOB_SECRETS_KEY` for one use only (`purpose`), so a token of one kind is never
 * accepted as another.
 */

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

async function signingKey(
  env: Pick<Env, "AOB_SECRETS_KEY">,
  purpose: string,
): Promise<CryptoKey | null> {
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
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(purpose) },
    master,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

/** The token for `payload`; null when the platform has no `AOB_SECRETS_KEY` to sign with. */
export async function signToken(
  env: Pick<Env, "AOB_SECRETS_KEY">,
  purpose: string,
  payload: readonly unknown[],
): Promise<string | null> {
  const key = await signingKey(env, purpose);
  if (!key) return null;
  const bytes = encoder.encode(JSON.stringify(payload));
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes));
  return `${b64url(bytes)}.${b64url(signature)}`;
}

/**
 * The payload of a token signed here for `purpose` (the signature compared in constant time by
 * `verify`), or null for anything else.
 */
export async function verifyToken(
  env: Pick<Env, "AOB_SECRETS_KEY">,
  purpose: string,
  token: string,
): Promise<unknown[] | null> {
  const [payloadText, signatureText, extra] = token.split(".");
  if (payloadText === undefined || signatureText === undefined || extra !== undefined) {
    return null;
  }
  const payload = fromB64url(payloadText);
  const signature = fromB64url(signatureText);
  const key = await signingKey(env, purpose);
  if (!payload || !signature || !key) return null;
  if (!(await crypto.subtle.verify("HMAC", key, signature, payload))) return null;
  const parsed: unknown = JSON.parse(new TextDecoder().decode(payload));
  return Array.isArray(parsed) ? parsed : null;
}
