import { NonRetryableError } from "../core/errors";
import { readAllowedHosts } from "../core/secrets/hosts";
import { findSealedSecrets } from "../db/secrets";
import { type CachedSecret, cachedSecret, rememberSecret } from "./secret-cache";

/**
 * Tenant secrets at rest: AES-GCM with a 256-bit key from the Worker secret `AOB_SECRETS_KEY`
 * (base64). The tenant and name are bound as additional data, so a ciphertext copied to
 * another tenant or name does not decrypt.
 */
async function masterKey(env: Pick<Env, "AOB_SECRETS_KEY">): Promise<CryptoKey> {
  const raw = env.AOB_SECRETS_KEY;
  if (!raw) {
    throw new NonRetryableError(
      "secrets_key_missing",
      "AOB_SECRETS_KEY is not set: add a base64 32-byte key to .dev.vars or `wrangler secret put AOB_SECRETS_KEY`",
    );
  }
  const bytes = Uint8Array.from(atob(raw), (ch) => ch.charCodeAt(0));
  if (bytes.length !== 32) {
    throw new NonRetryableError(
      "secrets_key_invalid",
      "AOB_SECRETS_KEY must be 32 bytes, base64-encoded",
    );
  }
  return crypto.subtle.importKey("raw", bytes, "AES-GCM", false, ["encrypt", "decrypt"]);
}

const aad = (tenantId: string, name: string) =>
  new TextEncoder().encode(`${tenantId}\u0000${name}`);

export async function encryptSecret(
  env: Pick<Env, "AOB_SECRETS_KEY">,
  tenantId: string,
  name: string,
  value: string,
) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: aad(tenantId, name) },
      await masterKey(env),
      new TextEncoder().encode(value),
    ),
  );
  const joined = new Uint8Array(iv.length + sealed.length);
  joined.set(iv);
  joined.set(sealed, iv.length);
  return btoa(String.fromCharCode(...joined));
}

async function decryptSecret(
  key: CryptoKey,
  tenantId: string,
  name: string,
  stored: string,
): Promise<string> {
  const joined = Uint8Array.from(atob(stored), (ch) => ch.charCodeAt(0));
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: joined.slice(0, 12), additionalData: aad(tenantId, name) },
    key,
    joined.slice(12),
  );
  return new TextDecoder().decode(plain);
}

/** Decrypts one value sealed by `encryptSecret` for the same tenant and name. */
export async function decryptSealed(
  env: Pick<Env, "AOB_SECRETS_KEY">,
  tenantId: string,
  name: string,
  stored: string,
): Promise<string> {
  return decryptSecret(await masterKey(env), tenantId, name, stored);
}

/** A tenant secret as the executor needs it: the value and the hosts it may go to. */
export type LoadedSecret = CachedSecret;

/**
 * Decrypts the named secrets of a tenant; missing names are simply absent. Reads through the
 * isolate's short cache (secret-cache.ts).
 */
export async function loadSecrets(
  env: Pick<Env, "AOB_SECRETS_KEY" | "DB">,
  tenantId: string,
  names: string[],
): Promise<Record<string, LoadedSecret>> {
  const out: Record<string, LoadedSecret> = {};
  const now = Date.now();
  const missing = names.filter((name) => {
    const hit = cachedSecret(tenantId, name, now);
    if (hit) out[name] = hit;
    return !hit;
  });
  if (missing.length === 0) return out;
  const rows = await findSealedSecrets(env.DB, tenantId, missing);
  const key = await masterKey(env);
  for (const r of rows) {
    const secret = {
      value: await decryptSecret(key, tenantId, r.name, r.ciphertext),
      allowedHosts: readAllowedHosts(r.allowedHosts),
    };
    rememberSecret(tenantId, r.name, secret, now);
    out[r.name] = secret;
  }
  return out;
}
