/** Who a request is authenticated as: a key, and the session it came through, if any. */
export interface SignedIn {
  tenantId: string;
  scopes: string[];
  keyId: string;
  keyName: string;
  /** The session cookie's row (null for `Authorization: Bearer`). */
  session: { tokenHash: string; expiresAt: number } | null;
}

/** Hono's environment for the API: bindings plus what authentication sets. */
export interface AppEnv {
  Bindings: Env;
  Variables: SignedIn;
}
