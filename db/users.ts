/**
 * D1 access for the people of a tenant (`users`, docs/PEOPLE.md). Deleting a user revokes its
 * keys and ends their sessions in one batch; the row stays, so votes and audit entries keep a
 * name.
 */
import type { Role } from "../core/people/roles";

export interface UserRow {
  id: string;
  tenantId: string;
  name: string;
  email: string | null;
  roles: Role[];
  createdAt: number;
  deletedAt: number | null;
}

interface RawUser {
  id: string;
  tenant_id: string;
  name: string;
  email: string | null;
  roles: string;
  created_at: number;
  deleted_at: number | null;
}

function toUser(row: RawUser): UserRow {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    email: row.email,
    roles: JSON.parse(row.roles) as Role[],
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
  };
}

export async function insertUser(db: D1Database, user: Omit<UserRow, "deletedAt">): Promise<void> {
  await db
    .prepare(
      `INSERT INTO users (id, tenant_id, name, email, roles, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    )
    .bind(user.id, user.tenantId, user.name, user.email, JSON.stringify(user.roles), user.createdAt)
    .run();
}

/** The tenant's user with this id (deleted ones too), or null. */
export async function findUser(
  db: D1Database,
  tenantId: string,
  id: string,
): Promise<UserRow | null> {
  const row = await db
    .prepare(`SELECT * FROM users WHERE id = ? AND tenant_id = ?`)
    .bind(id, tenantId)
    .first<RawUser>();
  return row ? toUser(row) : null;
}

/** The tenant's live user with this (lower-cased) email, or null. */
export async function findUserByEmail(
  db: D1Database,
  tenantId: string,
  email: string,
): Promise<UserRow | null> {
  const row = await db
    .prepare(`SELECT * FROM users WHERE tenant_id = ? AND email = ? AND deleted_at IS NULL`)
    .bind(tenantId, email)
    .first<RawUser>();
  return row ? toUser(row) : null;
}

/** The tenant's users, oldest first, `limit` after `after` (`[createdAt, id]`). */
export async function listUsers(
  db: D1Database,
  query: { tenantId: string; limit: number; after?: readonly [number, string] },
): Promise<UserRow[]> {
  const rows = query.after
    ? await db
        .prepare(
          `SELECT * FROM users WHERE tenant_id = ? AND (created_at, id) > (?, ?) ORDER BY created_at, id LIMIT ?`,
        )
        .bind(query.tenantId, query.after[0], query.after[1], query.limit)
        .all<RawUser>()
    : await db
        .prepare(`SELECT * FROM users WHERE tenant_id = ? ORDER BY created_at, id LIMIT ?`)
        .bind(query.tenantId, query.limit)
        .all<RawUser>();
  return rows.results.map(toUser);
}

/** Changes a live user's name, email or roles; false when the tenant has no such live user. */
export async function updateUser(
  db: D1Database,
  tenantId: string,
  id: string,
  change: Pick<UserRow, "name" | "email" | "roles">,
): Promise<boolean> {
  const result = await db
    .prepare(
      `UPDATE users SET name = ?, email = ?, roles = ? WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL`,
    )
    .bind(change.name, change.email, JSON.stringify(change.roles), id, tenantId)
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** How many live users of the tenant hold the admin role. */
export async function countAdmins(db: D1Database, tenantId: string): Promise<number> {
  const row = await db
    .prepare(
      `SELECT count(*) AS n FROM users u WHERE u.tenant_id = ? AND u.deleted_at IS NULL
         AND EXISTS (SELECT 1 FROM json_each(u.roles) WHERE value = 'admin')`,
    )
    .bind(tenantId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * Deletes a live user: marks it, revokes its keys and deletes their sessions, in one batch.
 * Answers the revoked keys (hash, and the runs holding their sockets), or null when the tenant
 * has no such live user.
 */
export async function deleteUser(
  db: D1Database,
  tenantId: string,
  id: string,
  now: number,
): Promise<{ keyId: string; keyHash: string; runIds: string[] }[] | null> {
  const [marked, , , keys, sockets] = await db.batch<{
    id: string;
    key_hash: string;
    run_id: string;
    key_id: string;
  }>([
    db
      .prepare(
        `UPDATE users SET deleted_at = ? WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL`,
      )
      .bind(now, id, tenantId),
    db
      .prepare(
        `DELETE FROM sessions WHERE key_id IN (SELECT id FROM api_keys WHERE user_id = ? AND tenant_id = ?)`,
      )
      .bind(id, tenantId),
    db
      .prepare(
        `UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND tenant_id = ? AND revoked_at IS NULL`,
      )
      .bind(now, id, tenantId),
    db
      .prepare(`SELECT id, key_hash FROM api_keys WHERE user_id = ? AND tenant_id = ?`)
      .bind(id, tenantId),
    db
      .prepare(
        `SELECT key_id, run_id FROM key_sockets WHERE key_id IN (SELECT id FROM api_keys WHERE user_id = ? AND tenant_id = ?)`,
      )
      .bind(id, tenantId),
  ]);
  if ((marked?.meta.changes ?? 0) === 0) return null;
  return (keys?.results ?? []).map((k) => ({
    keyId: k.id,
    keyHash: k.key_hash,
    runIds: (sockets?.results ?? []).filter((s) => s.key_id === k.id).map((s) => s.run_id),
  }));
}

/** At most this many people are asked at once (one notification names each). */
export const MAX_ASSIGNEES = 50;

/**
 * The live users an approval asks (docs/PEOPLE.md): those named by id or email or holding one
 * of `roles`; with neither, everyone who may decide (approver or admin). Oldest first, at most
 * MAX_ASSIGNEES.
 */
export async function findAssignees(
  db: D1Database,
  tenantId: string,
  approvers: { users?: readonly string[]; roles?: readonly string[] } | null,
): Promise<UserRow[]> {
  const named = approvers?.users ?? [];
  const roles = approvers ? (approvers.roles ?? []) : ["approver", "admin"];
  const lower = named.map((n) => n.toLowerCase());
  const marks = (n: number) => Array.from({ length: n }, () => "?").join(", ");
  const rows = await db
    .prepare(
      `SELECT * FROM users u WHERE u.tenant_id = ? AND u.deleted_at IS NULL AND (
         u.id IN (${marks(named.length) || "NULL"})
         OR u.email IN (${marks(lower.length) || "NULL"})
         OR EXISTS (SELECT 1 FROM json_each(u.roles) WHERE value IN (${marks(roles.length) || "NULL"})))
       ORDER BY u.created_at, u.id LIMIT ?`,
    )
    .bind(tenantId, ...named, ...lower, ...roles, MAX_ASSIGNEES)
    .all<RawUser>();
  return rows.results.map(toUser);
}
