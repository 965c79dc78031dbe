import { applyD1Migrations, env } from "cloudflare:test";
import { hashKey } from "../../workers/api/auth";

export const TEST_KEY = "aob_test_key_tenant_a";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
await env.DB.batch([
  env.DB.prepare(
    "INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES ('t_a', 'Tenant A', 0)",
  ),
  env.DB.prepare(
    "INSERT OR IGNORE INTO api_keys (id, tenant_id, name, key_hash, scopes, created_at) VALUES ('k_a', 't_a', 'first approver', ?, '[\"admin\",\"read\",\"run\",\"approve\"]', 0)",
  ).bind(await hashKey(TEST_KEY)),
]);

/** A second tenant, to prove isolation. */
export const OTHER_KEY = "aob_test_key_tenant_b";
await env.DB.batch([
  env.DB.prepare(
    "INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES ('t_b', 'Tenant B', 0)",
  ),
  env.DB.prepare(
    "INSERT OR IGNORE INTO api_keys (id, tenant_id, name, key_hash, scopes, created_at) VALUES ('k_b', 't_b', 'test', ?, '[\"admin\",\"read\",\"run\",\"approve\"]', 0)",
  ).bind(await hashKey(OTHER_KEY)),
]);

/** A second person in tenant A (quorum needs distinct approvers). */
export const SECOND_KEY = "aob_test_key_tenant_a_second";
await env.DB.prepare(
  "INSERT OR IGNORE INTO api_keys (id, tenant_id, name, key_hash, scopes, created_at) VALUES ('k_a2', 't_a', 'second approver', ?, '[\"read\",\"approve\"]', 0)",
)
  .bind(await hashKey(SECOND_KEY))
  .run();
