/**
 * D1 access for a tenant's MCP servers (`mcp_servers`, docs/AGENTS.md). Header values are
 * stored as written, secret references included: nothing here holds a resolved secret. Every
 * query is scoped by tenant.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { mcpServers } from "./schema";

/** An MCP server as the API and the runner read it. */
export interface McpServerRow {
  name: string;
  url: string;
  /** Header names to values; values may hold `{{ secrets.NAME }}` references. */
  headers: Record<string, string>;
  /** The tools agents may use; null = every tool the server lists. */
  allowedTools: string[] | null;
  /** The tools that change something. */
  effects: string[];
  createdAt: number;
  updatedAt: number;
}

/** Servers a tenant may have: the API refuses more. */
export const MAX_MCP_SERVERS = 100;

type Stored = typeof mcpServers.$inferSelect;

const toRow = (r: Stored): McpServerRow => ({
  name: r.name,
  url: r.url,
  headers: JSON.parse(r.headers) as Record<string, string>,
  allowedTools: r.allowedTools === null ? null : (JSON.parse(r.allowedTools) as string[]),
  effects: JSON.parse(r.effects) as string[],
  createdAt: r.createdAt,
  updatedAt: r.updatedAt,
});

/** Creates or replaces a server; a replaced one keeps its `createdAt`. */
export async function putMcpServer(
  db: D1Database,
  tenantId: string,
  server: McpServerRow,
): Promise<McpServerRow> {
  const values = {
    tenantId,
    name: server.name,
    url: server.url,
    headers: JSON.stringify(server.headers),
    allowedTools: server.allowedTools === null ? null : JSON.stringify(server.allowedTools),
    effects: JSON.stringify(server.effects),
    createdAt: server.createdAt,
    updatedAt: server.updatedAt,
  };
  const { tenantId: _t, name: _n, createdAt: _c, ...changed } = values;
  const row = await drizzle(db)
    .insert(mcpServers)
    .values(values)
    .onConflictDoUpdate({ target: [mcpServers.tenantId, mcpServers.name], set: changed })
    .returning()
    .get();
  return toRow(row);
}

/** The tenant's servers by name (at most {@link MAX_MCP_SERVERS}). */
export async function listMcpServers(db: D1Database, tenantId: string): Promise<McpServerRow[]> {
  const rows = await drizzle(db)
    .select()
    .from(mcpServers)
    .where(eq(mcpServers.tenantId, tenantId))
    .orderBy(asc(mcpServers.name))
    .limit(MAX_MCP_SERVERS)
    .all();
  return rows.map(toRow);
}

/** The named servers of a tenant; missing names are absent. */
export async function findMcpServers(
  db: D1Database,
  tenantId: string,
  names: readonly string[],
): Promise<McpServerRow[]> {
  if (names.length === 0) return [];
  const rows = await drizzle(db)
    .select()
    .from(mcpServers)
    .where(and(eq(mcpServers.tenantId, tenantId), inArray(mcpServers.name, [...names])))
    .all();
  return rows.map(toRow);
}

/** Deletes a server; false when the tenant had none so named. */
export async function deleteMcpServer(
  db: D1Database,
  tenantId: string,
  name: string,
): Promise<boolean> {
  const res = await drizzle(db)
    .delete(mcpServers)
    .where(and(eq(mcpServers.tenantId, tenantId), eq(mcpServers.name, name)))
    .run();
  return res.meta.changes > 0;
}
