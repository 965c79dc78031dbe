/**
 * D1 access for notification channels (`notification_channels`, docs/PEOPLE.md): where a
 * tenant's notifications go. The URL is stored sealed; the caller seals and unseals it.
 */

export type ChannelType = "webhook" | "slack";
/** What a channel gets for every workflow. */
export type ChannelEvent = "approval" | "budget" | "run_failed";

export interface ChannelRow {
  name: string;
  type: ChannelType;
  /** Sealed URL. */
  url: string;
  host: string;
  events: ChannelEvent[];
  origin: string;
  updatedAt: number;
}

interface RawChannel {
  name: string;
  type: ChannelType;
  url: string;
  host: string;
  events: string;
  origin: string;
  updated_at: number;
}

const toChannel = (r: RawChannel): ChannelRow => ({
  name: r.name,
  type: r.type,
  url: r.url,
  host: r.host,
  events: JSON.parse(r.events) as ChannelEvent[],
  origin: r.origin,
  updatedAt: r.updated_at,
});

export async function putChannel(db: D1Database, tenantId: string, c: ChannelRow): Promise<void> {
  await db
    .prepare(
      `INSERT INTO notification_channels (tenant_id, name, type, url, host, events, origin, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, name) DO UPDATE SET type = excluded.type, url = excluded.url,
         host = excluded.host, events = excluded.events, origin = excluded.origin,
         updated_at = excluded.updated_at`,
    )
    .bind(tenantId, c.name, c.type, c.url, c.host, JSON.stringify(c.events), c.origin, c.updatedAt)
    .run();
}

/** The tenant's channels by name (at most 100 a tenant: the API refuses more). */
export async function listChannels(db: D1Database, tenantId: string): Promise<ChannelRow[]> {
  const rows = await db
    .prepare(`SELECT * FROM notification_channels WHERE tenant_id = ? ORDER BY name LIMIT 100`)
    .bind(tenantId)
    .all<RawChannel>();
  return rows.results.map(toChannel);
}

export async function findChannel(
  db: D1Database,
  tenantId: string,
  name: string,
): Promise<ChannelRow | null> {
  const row = await db
    .prepare(`SELECT * FROM notification_channels WHERE tenant_id = ? AND name = ?`)
    .bind(tenantId, name)
    .first<RawChannel>();
  return row ? toChannel(row) : null;
}

export async function deleteChannel(
  db: D1Database,
  tenantId: string,
  name: string,
): Promise<boolean> {
  const result = await db
    .prepare(`DELETE FROM notification_channels WHERE tenant_id = ? AND name = ?`)
    .bind(tenantId, name)
    .run();
  return (result.meta.changes ?? 0) > 0;
}
