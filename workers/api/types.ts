import type { Role } from "../../core/people/roles";

/**
 * Who a request is authenticated as: a key, the user it acts as, and the session it came
 * through, if any. `scopes` are what the request may do: the key's scopes the user's roles
 * also grant (docs/PEOPLE.md).
 */
export interface SignedIn {
  tenantId: string;
  scopes: string[];
  keyId: string;
  keyName: string;
  userId: string;
  userName: string;
  email: string | null;
  roles: Role[];
  /** The session cookie's row (null for `Authorization: Bearer`). */
  session: { tokenHash: string; expiresAt: number } | null;
}

/** Hono's environment for the API: bindings plus what authentication sets. */
export interface AppEnv {
  Bindings: Env;
  Variables: SignedIn;
}
