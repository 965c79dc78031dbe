import type { Context } from "hono";
import { type Role, type Scope, scopesOfRoles } from "../../../core/people/roles";
import { page } from "../../../core/wire/cursor";
import { insertKey, listKeys } from "../../../db/api-keys";
import { audit } from "../audit";
import { hashKey } from "../auth";
import { ApiError } from "../errors";
import { newId } from "../ids";
import type { ApiKey } from "../schemas/key";
import { cursorOf } from "../schemas/params";
import type { AppEnv } from "../types";

function generateKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `aob_${btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replaceAll("=", "")}`;
}

/**
 * Makes a key for a user, refusing a scope the user's roles do not grant (400 at
 * `scopes[i]`): a key is never wider than its user (docs/PEOPLE.md). The secret is answered
 * once; only its SHA-256 is stored.
 */
export async function mintKey(
  c: Context<AppEnv>,
  user: { id: string; name: string; roles: readonly Role[] },
  request: { name: string; scopes: Scope[] },
) {
  const granted = scopesOfRoles(user.roles);
  const wider = request.scopes.flatMap((scope, i) =>
    granted.includes(scope) ? [] : [{ scope, i }],
  );
  if (wider.length > 0) {
    throw new ApiError(
      400,
      "validation_failed",
      `a key cannot be wider than its user: ${user.name} (roles ${user.roles.join(", ")}) has no ${wider.map((w) => `"${w.scope}"`).join(", ")} scope`,
      {
        errors: wider.map(({ scope, i }) => ({
          path: ["scopes", i],
          at: `scopes[${i}]`,
          code: "scope_not_granted",
          message: `the user's roles (${user.roles.join(", ")}) do not grant "${scope}"`,
        })),
      },
    );
  }
  const key = generateKey();
  const id = newId("key");
  const createdAt = Date.now();
  await insertKey(c.env.DB, {
    id,
    tenantId: c.get("tenantId"),
    userId: user.id,
    name: request.name,
    keyHash: await hashKey(key),
    scopes: JSON.stringify(request.scopes),
    createdAt,
  });
  await audit(
    c,
    "key.create",
    { type: "key", id },
    {
      name: request.name,
      scopes: request.scopes,
      userId: user.id,
    },
  );
  return { id, name: request.name, scopes: request.scopes, userId: user.id, key, createdAt };
}

/** A page of the tenant's keys (or one user's), oldest first, never their hashes. */
export async function keyPage(
  c: Context<AppEnv>,
  query: { userId?: string; limit: number; cursor: string | undefined },
) {
  const rows = await listKeys(c.env.DB, {
    tenantId: c.get("tenantId"),
    ...(query.userId === undefined ? {} : { userId: query.userId }),
    limit: query.limit + 1,
    after: cursorOf<[number, string]>(query.cursor, ["n", "s"]),
  });
  const { items, nextCursor } = page(rows, query.limit, (k) => [k.createdAt, k.id]);
  return {
    nextCursor,
    keys: items.map(
      (r): ApiKey => ({
        id: r.id,
        name: r.name,
        scopes: JSON.parse(r.scopes) as ApiKey["scopes"],
        userId: r.userId,
        createdAt: r.createdAt,
        revokedAt: r.revokedAt,
      }),
    ),
  };
}
