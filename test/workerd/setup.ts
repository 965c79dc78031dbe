import { applyD1Migrations, env } from "cloudflare:test";
import type { Role } from "../../core/people/roles";
import { hashKey } from "../../workers/api/auth";

export const TEST_KEY = "aob_test_key_tenant_a";

/**
 * A user of a tenant with one key (docs/PEOPLE.md): the statements that write both. Each key
 * belongs to a user; `roles` bound what the key's `scopes` allow.
 */
export async function personRows(person: {
  tenantId: string;
  userId: string;
  name: string;
  email?: string;
  roles: Role[];
  keyId: string;
  key: string;
  scopes: string[];
}): Promise<D1PreparedStatement[]> {
  return [
    env.DB.prepare(
      "INSERT OR IGNORE INTO users (id, tenant_id, name, email, roles, created_at) VALUES (?, ?, ?, ?, ?, 0)",
    ).bind(
      person.userId,
      person.tenantId,
      person.name,
      person.email ?? null,
      JSON.stringify(person.roles),
    ),
    env.DB.prepare(
      "INSERT OR IGNORE INTO api_keys (id, tenant_id, user_id, name, key_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, 0)",
    ).bind(
      person.keyId,
      person.tenantId,
      person.userId,
      person.name,
      await hashKey(person.key),
      JSON.stringify(person.scopes),
    ),
  ];
}

const ALL = ["admin", "read", "run", "edit", "approve"];

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await env.DB.batch([
  env.DB.prepare(
    "INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES ('t_a', 'Tenant A', 0)",
  ),
  ...(await personRows({
    tenantId: "t_a",
    userId: "usr_a",
    name: "first approver",
    email: "first@example.com",
    roles: ["admin"],
    keyId: "k_a",
    key: TEST_KEY,
    scopes: ALL,
  })),
]);

/** A second tenant, to prove isolation. */
export const OTHER_KEY = "aob_test_key_tenant_b";
await env.DB.batch([
  env.DB.prepare(
    "INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES ('t_b', 'Tenant B', 0)",
  ),
  ...(await personRows({
    tenantId: "t_b",
    userId: "usr_b",
    name: "test",
    roles: ["admin"],
    keyId: "k_b",
    key: OTHER_KEY,
    scopes: ALL,
  })),
]);

/** A second person in tenant A (quorum needs distinct approvers). */
export const SECOND_KEY = "aob_test_key_tenant_a_second";
await env.DB.batch(
  await personRows({
    tenantId: "t_a",
    userId: "usr_a2",
    name: "second approver",
    email: "second@example.com",
    roles: ["approver"],
    keyId: "k_a2",
    key: SECOND_KEY,
    scopes: ["read", "approve"],
  }),
);
