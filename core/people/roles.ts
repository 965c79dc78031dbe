/**
 * Roles and scopes (docs/PEOPLE.md, "Roles"). A key's scopes limit what it may do; its user's
 * roles limit the key: a request may do what both allow.
 */

export const SCOPES = ["read", "run", "edit", "approve", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

export const ROLES = ["admin", "editor", "operator", "approver", "viewer"] as const;
export type Role = (typeof ROLES)[number];

/** The scopes each role grants; a user's scopes are the union over their roles. */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  admin: SCOPES,
  editor: ["read", "edit"],
  operator: ["read", "run"],
  approver: ["read", "approve"],
  viewer: ["read"],
};

/** The scopes a user with these roles holds, in `SCOPES` order. */
export function scopesOfRoles(roles: readonly Role[]): Scope[] {
  const granted = new Set(roles.flatMap((r) => ROLE_SCOPES[r] ?? []));
  return SCOPES.filter((s) => granted.has(s));
}

/** What a key of a user may do: the key's scopes the user's roles also grant. */
export function effectiveScopes(keyScopes: readonly string[], roles: readonly Role[]): Scope[] {
  const allowed = new Set(scopesOfRoles(roles));
  return SCOPES.filter((s) => allowed.has(s) && keyScopes.includes(s));
}

/** Whether `granted` allows `scope` (`admin` allows every scope). */
export function allows(granted: readonly string[], scope: Scope): boolean {
  return granted.includes(scope) || granted.includes("admin");
}
