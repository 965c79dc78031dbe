/**
 * D1 access for the audit log (`audit_log`, docs/PEOPLE.md): appended by the API after each
 * change a person makes, read by admins newest first. Nothing here updates or deletes an entry
 * (tenant deletion does, in db/lifecycle.ts).
 */

export interface AuditEntry {
  id: number;
  at: number;
  userId: string | null;
  userName: string;
  keyId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  details: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
}

interface RawEntry {
  id: number;
  at: number;
  user_id: string | null;
  user_name: string;
  key_id: string | null;
  action: string;
  target_type: string;
  target_id: string;
  details: string;
  ip: string | null;
  user_agent: string | null;
}

export async function appendAudit(
  db: D1Database,
  tenantId: string,
  entry: Omit<AuditEntry, "id">,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO audit_log (tenant_id, at, user_id, user_name, key_id, action, target_type, target_id, details, ip, user_agent)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      tenantId,
      entry.at,
      entry.userId,
      entry.userName,
      entry.keyId,
      entry.action,
      entry.targetType,
      entry.targetId,
      JSON.stringify(entry.details),
      entry.ip,
      entry.userAgent,
    )
    .run();
}

export interface AuditQuery {
  tenantId: string;
  action?: string;
  userId?: string;
  since?: number;
  until?: number;
  limit: number;
  /** `[at, id]` of the last entry of the page before. */
  before?: readonly [number, number];
}

/** A tenant's entries, newest first, filtered by action or user and a time range. */
export async function listAudit(db: D1Database, query: AuditQuery): Promise<AuditEntry[]> {
  const where = ["tenant_id = ?"];
  const binds: unknown[] = [query.tenantId];
  if (query.action !== undefined) {
    where.push("action = ?");
    binds.push(query.action);
  }
  if (query.userId !== undefined) {
    where.push("user_id = ?");
    binds.push(query.userId);
  }
  if (query.since !== undefined) {
    where.push("at >= ?");
    binds.push(query.since);
  }
  if (query.until !== undefined) {
    where.push("at < ?");
    binds.push(query.until);
  }
  if (query.before !== undefined) {
    where.push("(at, id) < (?, ?)");
    binds.push(query.before[0], query.before[1]);
  }
  const rows = await db
    .prepare(
      `SELECT * FROM audit_log WHERE ${where.join(" AND ")} ORDER BY at DESC, id DESC LIMIT ?`,
    )
    .bind(...binds, query.limit)
    .all<RawEntry>();
  return rows.results.map((r) => ({
    id: r.id,
    at: r.at,
    userId: r.user_id,
    userName: r.user_name,
    keyId: r.key_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    details: JSON.parse(r.details) as Record<string, unknown>,
    ip: r.ip,
    userAgent: r.user_agent,
  }));
}
