/**
 * The bench Worker's `/bench/dashboard/*` routes (bench/dashboard.ts, issue 23):
 *   POST /bench/dashboard/seed   SeedChunk -> { ms }: one chunk of a tenant's history (its
 *        workflows too, with the first chunk), bench/dashboard-seed.ts
 *   POST /bench/dashboard/totals { tenantId } -> { ms }: the `metric_*` totals of what was seeded
 *   POST /bench/dashboard/reads  { tenantId, workflowId?, since, until } -> { ms, statements }:
 *        `/api/stats`'s batch (db/stats.ts, the route's window and limits) with what D1 says of
 *        each statement: rows read and its own time (`meta.rows_read`, `meta.duration`)
 */
import { tenantStats } from "../db/stats";
import { STATS_LIMITS, statsWindow } from "../workers/api/services/stats";
import { type SeedChunk, seedChunk, seedTotals, seedWorkflows } from "./dashboard-seed";

/** db/stats.ts's statements, in the order its batch sends them. */
const STATS_STATEMENTS = [
  "started",
  "ended",
  "durations",
  "nodes",
  "models",
  "workflows",
  "decisions",
  "pending",
];

export interface StatementReads {
  name: string;
  rowsRead: number;
  durationMs: number;
}

/** `db` whose batches keep each result's meta: the statements are db/stats.ts's own. */
function metered(db: D1Database, metas: D1Meta[]): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "batch") {
        return async <T>(statements: D1PreparedStatement[]) => {
          const results = await target.batch<T>(statements);
          metas.push(...results.map((r) => r.meta));
          return results;
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function reads(
  db: D1Database,
  q: { tenantId: string; workflowId?: string; since: number; until: number },
) {
  const window = statsWindow({ ...q, now: q.until });
  const metas: D1Meta[] = [];
  const started = performance.now();
  await tenantStats(
    metered(db, metas),
    {
      tenantId: q.tenantId,
      ...(q.workflowId === undefined ? {} : { workflowId: q.workflowId }),
      since: window.since,
      until: window.until,
      bucketMs: window.bucketMs,
    },
    STATS_LIMITS,
  );
  const ms = performance.now() - started;
  const statements: StatementReads[] = metas.map((m, i) => ({
    name: STATS_STATEMENTS.length === metas.length ? STATS_STATEMENTS[i]! : `#${i + 1}`,
    rowsRead: m.rows_read,
    durationMs: m.duration,
  }));
  return { ms, statements };
}

export async function dashboardRoute(
  request: Request,
  path: string,
  db: D1Database,
): Promise<Response | null> {
  if (request.method !== "POST") return null;
  const started = performance.now();
  if (path === "/bench/dashboard/seed") {
    const chunk = (await request.json()) as SeedChunk;
    await db.batch([
      ...(chunk.from === 0 ? seedWorkflows(db, chunk.tenantId, chunk.end - chunk.spanMs) : []),
      ...seedChunk(db, chunk),
    ]);
    return Response.json({ ms: performance.now() - started });
  }
  if (path === "/bench/dashboard/totals") {
    const { tenantId } = (await request.json()) as { tenantId: string };
    await db.batch(seedTotals(db, tenantId));
    return Response.json({ ms: performance.now() - started });
  }
  if (path === "/bench/dashboard/reads") {
    return Response.json(await reads(db, await request.json()));
  }
  return null;
}
