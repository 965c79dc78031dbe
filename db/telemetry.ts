/**
 * D1 access for a tenant's OTLP trace export (`telemetry_otlp`, docs/OBSERVABILITY.md): one row
 * a tenant. The endpoint and the headers are stored sealed; the caller seals and unseals them.
 */

export interface OtlpRow {
  /** Sealed traces URL. */
  endpoint: string;
  host: string;
  /** Sealed JSON object of header names to values (values may reference secrets). */
  headers: string;
  headerNames: string[];
  enabled: boolean;
  updatedAt: number;
}

interface RawOtlp {
  endpoint: string;
  host: string;
  headers: string;
  header_names: string;
  enabled: number;
  updated_at: number;
}

export async function putOtlp(db: D1Database, tenantId: string, row: OtlpRow): Promise<void> {
  await db
    .prepare(
      `INSERT INTO telemetry_otlp (tenant_id, endpoint, host, headers, header_names, enabled, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id) DO UPDATE SET endpoint = excluded.endpoint, host = excluded.host,
         headers = excluded.headers, header_names = excluded.header_names,
         enabled = excluded.enabled, updated_at = excluded.updated_at`,
    )
    .bind(
      tenantId,
      row.endpoint,
      row.host,
      row.headers,
      JSON.stringify(row.headerNames),
      row.enabled ? 1 : 0,
      row.updatedAt,
    )
    .run();
}

/** The tenant's OTLP export, or null when none is set. */
export async function findOtlp(db: D1Database, tenantId: string): Promise<OtlpRow | null> {
  const r = await db
    .prepare(`SELECT * FROM telemetry_otlp WHERE tenant_id = ?`)
    .bind(tenantId)
    .first<RawOtlp>();
  if (!r) return null;
  return {
    endpoint: r.endpoint,
    host: r.host,
    headers: r.headers,
    headerNames: JSON.parse(r.header_names) as string[],
    enabled: r.enabled === 1,
    updatedAt: r.updated_at,
  };
}

export async function deleteOtlp(db: D1Database, tenantId: string): Promise<boolean> {
  const result = await db
    .prepare(`DELETE FROM telemetry_otlp WHERE tenant_id = ?`)
    .bind(tenantId)
    .run();
  return (result.meta.changes ?? 0) > 0;
}
