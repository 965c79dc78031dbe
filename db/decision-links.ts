/**
 * D1 access for decision links (`decision_links`, docs/PEOPLE.md): each signed link has a row,
 * claimed once. Rows go with their run, their tenant, or a day after they expire.
 */

export interface DecisionLinkRow {
  id: string;
  tenantId: string;
  runId: string;
  userId: string;
  expiresAt: number;
}

export async function insertDecisionLinks(
  db: D1Database,
  links: readonly DecisionLinkRow[],
): Promise<void> {
  if (links.length === 0) return;
  await db.batch(
    links.map((l) =>
      db
        .prepare(
          `INSERT INTO decision_links (id, tenant_id, run_id, user_id, expires_at) VALUES (?, ?, ?, ?, ?)`,
        )
        .bind(l.id, l.tenantId, l.runId, l.userId, l.expiresAt),
    ),
  );
}

/** Whether the link exists and is unused (read, not claimed). */
export async function linkUnused(db: D1Database, id: string): Promise<boolean> {
  const row = await db
    .prepare(`SELECT used_at FROM decision_links WHERE id = ?`)
    .bind(id)
    .first<{ used_at: number | null }>();
  return row !== null && row.used_at === null;
}

/** Claims a link for one use: true when this call took it (it existed and was unused). */
export async function claimLink(db: D1Database, id: string, now: number): Promise<boolean> {
  const result = await db
    .prepare(`UPDATE decision_links SET used_at = ? WHERE id = ? AND used_at IS NULL`)
    .bind(now, id)
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** Gives a claimed link back (its vote was refused for a reason that may pass later). */
export async function releaseLink(db: D1Database, id: string): Promise<void> {
  await db.prepare(`UPDATE decision_links SET used_at = NULL WHERE id = ?`).bind(id).run();
}

/** Deletes up to `limit` links that expired before `before`; answers how many. */
export async function deleteExpiredLinks(
  db: D1Database,
  before: number,
  limit: number,
): Promise<number> {
  const result = await db
    .prepare(
      `DELETE FROM decision_links WHERE id IN (SELECT id FROM decision_links WHERE expires_at < ? LIMIT ?)`,
    )
    .bind(before, limit)
    .run();
  return result.meta.changes ?? 0;
}
