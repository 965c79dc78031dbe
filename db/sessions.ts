/**
 * D1 access for browser sessions (`sessions`) and for the runs that hold a key's open
 * WebSockets (`key_sockets`). The API and the RunObject reach these tables only through here.
 */

/** What a valid session stands for: its key and the key's user, as `authenticate` needs it. */
export interface SessionRow {
  keyId: string;
  keyName: string;
  tenantId: string;
  scopes: string[];
  userId: string;
  userName: string;
  email: string | null;
  roles: string[];
  expiresAt: number;
}

/**
 * Stores a session for a key (by the token's hash) and drops that key's expired ones, so the
 * table holds at most the live sessions plus those that expired since the key last signed in.
 */
export async function insertSession(
  db: D1Database,
  row: { tokenHash: string; keyId: string; createdAt: number; expiresAt: number },
): Promise<void> {
  await db.batch([
    db
      .prepare(`DELETE FROM sessions WHERE key_id = ? AND expires_at <= ?`)
      .bind(row.keyId, row.createdAt),
    db
      .prepare(
        `INSERT INTO sessions (token_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
      )
      .bind(row.tokenHash, row.keyId, row.createdAt, row.expiresAt),
  ]);
}

/**
 * The session with this token hash, if it has not expired, its key is not revoked and the key's
 * user not deleted.
 */
export async function findSession(
  db: D1Database,
  tokenHash: string,
  now: number,
): Promise<SessionRow | null> {
  const row = await db
    .prepare(
      `SELECT s.key_id, s.expires_at, k.name, k.tenant_id, k.scopes,
              u.id AS user_id, u.name AS user_name, u.email, u.roles
       FROM sessions s JOIN api_keys k ON k.id = s.key_id JOIN users u ON u.id = k.user_id
       WHERE s.token_hash = ? AND s.expires_at > ? AND k.revoked_at IS NULL AND u.deleted_at IS NULL`,
    )
    .bind(tokenHash, now)
    .first<{
      key_id: string;
      expires_at: number;
      name: string;
      tenant_id: string;
      scopes: string;
      user_id: string;
      user_name: string;
      email: string | null;
      roles: string;
    }>();
  if (!row) return null;
  return {
    keyId: row.key_id,
    keyName: row.name,
    tenantId: row.tenant_id,
    scopes: JSON.parse(row.scopes) as string[],
    userId: row.user_id,
    userName: row.user_name,
    email: row.email,
    roles: JSON.parse(row.roles) as string[],
    expiresAt: row.expires_at,
  };
}

export async function deleteSession(db: D1Database, tokenHash: string): Promise<void> {
  await db.prepare(`DELETE FROM sessions WHERE token_hash = ?`).bind(tokenHash).run();
}

/**
 * Counts one more socket of `keyId` on `runId` and says whether the key is still valid, in one
 * batch: written before the run accepts the socket, so a revocation that commits after this
 * check finds the row and reaches the run.
 */
export async function openKeySocket(
  db: D1Database,
  keyId: string,
  runId: string,
): Promise<boolean> {
  const [, live] = await db.batch<{ ok: number }>([
    db
      .prepare(
        `INSERT INTO key_sockets (key_id, run_id, sockets) VALUES (?, ?, 1)
         ON CONFLICT (key_id, run_id) DO UPDATE SET sockets = sockets + 1`,
      )
      .bind(keyId, runId),
    db.prepare(`SELECT 1 AS ok FROM api_keys WHERE id = ? AND revoked_at IS NULL`).bind(keyId),
  ]);
  return (live?.results.length ?? 0) > 0;
}

/** One socket of `keyId` on `runId` closed (or was never accepted). */
export async function closeKeySocket(db: D1Database, keyId: string, runId: string): Promise<void> {
  await db.batch([
    db
      .prepare(`UPDATE key_sockets SET sockets = sockets - 1 WHERE key_id = ? AND run_id = ?`)
      .bind(keyId, runId),
    db
      .prepare(`DELETE FROM key_sockets WHERE key_id = ? AND run_id = ? AND sockets <= 0`)
      .bind(keyId, runId),
  ]);
}

/**
 * Revokes a key of a tenant (again, if it already was): marks it, deletes its sessions, and
 * returns its hash and the runs that hold its sockets, or null when the tenant has no such key.
 */
export async function revokeKey(
  db: D1Database,
  revocation: { tenantId: string; keyId: string; now: number },
): Promise<{ keyHash: string; runIds: string[] } | null> {
  const { tenantId, keyId, now } = revocation;
  const [, key] = await db.batch<{ key_hash: string }>([
    db
      .prepare(
        `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND tenant_id = ? AND revoked_at IS NULL`,
      )
      .bind(now, keyId, tenantId),
    db
      .prepare(`SELECT key_hash FROM api_keys WHERE id = ? AND tenant_id = ?`)
      .bind(keyId, tenantId),
  ]);
  const keyHash = key?.results[0]?.key_hash;
  if (keyHash === undefined) return null;
  // After the UPDATE: a socket counted before it is listed here; one counted after it saw the
  // key revoked and was refused (openKeySocket).
  const [, runs] = await db.batch<{ run_id: string }>([
    db.prepare(`DELETE FROM sessions WHERE key_id = ?`).bind(keyId),
    db.prepare(`SELECT run_id FROM key_sockets WHERE key_id = ?`).bind(keyId),
  ]);
  return { keyHash, runIds: (runs?.results ?? []).map((r) => r.run_id) };
}

/** The runs that closed a revoked key's sockets: nothing is left to close there. */
export async function forgetKeySockets(
  db: D1Database,
  keyId: string,
  runIds: string[],
): Promise<void> {
  if (runIds.length === 0) return;
  await db.batch(
    runIds.map((runId) =>
      db.prepare(`DELETE FROM key_sockets WHERE key_id = ? AND run_id = ?`).bind(keyId, runId),
    ),
  );
}
