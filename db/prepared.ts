/**
 * A drizzle query as the D1 statement it sends, so it can share a `db.batch` with statements
 * written in SQL (drizzle's own batch cannot carry a raw statement with parameters).
 */
export function prepared(
  db: D1Database,
  query: { toSQL(): { sql: string; params: unknown[] } },
): D1PreparedStatement {
  const { sql, params } = query.toSQL();
  return db.prepare(sql).bind(...params);
}
