/**
 * The dashboard bench (issue 23): `GET /api/stats` and `GET /api/metrics` over a tenant with
 * `BENCH_STATS_RUNS` (100,000) runs spread over 30 days, beside a tenant with
 * `BENCH_STATS_BASELINE` (1,000) in the same D1, so each figure is read as a ratio (the machine
 * is shared and noisy). Both tenants are seeded in SQL through the bench Worker
 * (bench/dashboard-seed.ts); each request is then timed from here, the two tenants interleaved,
 * and D1's own account of each statement (rows read, its time) is taken through
 * `/bench/dashboard/reads`, which sends `/api/stats`'s batch as the route does.
 */
import { randomBytes } from "node:crypto";
import type { StatementReads } from "./dashboard-route";
import { WORKFLOWS } from "./dashboard-seed";
import { fmt, markdownTable, median, p95 } from "./stats";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
export const STATS_RUNS = env("BENCH_STATS_RUNS", 100_000);
export const STATS_BASELINE = env("BENCH_STATS_BASELINE", 1_000);
export const STATS_REPS = env("BENCH_STATS_REPS", 15);
const CHUNK = env("BENCH_STATS_CHUNK", 5_000);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SPAN = 30 * DAY;
const WINDOWS = [
  ["1h", HOUR],
  ["24h", DAY],
  ["7d", 7 * DAY],
  ["30d", 30 * DAY],
] as const;

interface Tenant {
  runs: number;
  id: string;
  key: string;
  seedMs: number;
  totalsMs: number;
}

/** One query: a window of /api/stats (tenant-wide or one workflow's), or /api/metrics. */
interface Case {
  label: string;
  window: string | null;
  workflow: boolean;
}

export interface CaseResult extends Case {
  /** Wall times (ms) seen by the client, per tenant size. */
  ms: Record<number, number[]>;
  /** D1's account of the batch per tenant size (stats only): one entry per repetition. */
  reads: Record<number, StatementReads[][]>;
}

export interface DashboardResults {
  end: number;
  tenants: Tenant[];
  cases: CaseResult[];
  /** What the largest tenant's 30-day answer says (the seed's shape). */
  sample: unknown;
}

const CASES: Case[] = [
  ...WINDOWS.flatMap(([w]) => [
    { label: `stats ${w}`, window: w, workflow: false },
    { label: `stats ${w}, workflow=`, window: w, workflow: true },
  ]),
  { label: "metrics", window: null, workflow: false },
];

export async function measureDashboard(ctx: {
  base: string;
  log: (line: string) => void;
  signal: AbortSignal;
}): Promise<DashboardResults> {
  const { base, log, signal } = ctx;
  const call = async (method: string, path: string, key: string | null, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(key === null ? {} : { authorization: `Bearer ${key}` }),
        "content-type": "application/json",
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
    return text;
  };
  // Whole minutes: every window starts and ends on a bucket boundary of every bucket size.
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  const tenants: Tenant[] = [];
  for (const runs of [STATS_BASELINE, STATS_RUNS]) {
    const id = `dash_${runs}`;
    const key = `aob_bench_${randomBytes(24).toString("base64url")}`;
    await call("POST", "/bench/tenant", null, { id, key });
    log(`bench stats: seeding ${runs} runs over 30 days for tenant ${id} …`);
    const t0 = performance.now();
    for (let from = 0; from < runs; from += CHUNK) {
      const count = Math.min(CHUNK, runs - from);
      await call("POST", "/bench/dashboard/seed", null, {
        tenantId: id,
        from,
        count,
        total: runs,
        end,
        spanMs: SPAN,
      });
    }
    const seedMs = performance.now() - t0;
    const t1 = performance.now();
    await call("POST", "/bench/dashboard/totals", null, { tenantId: id });
    const totalsMs = performance.now() - t1;
    log(`  seeded in ${(seedMs / 1000).toFixed(1)} s, totals in ${(totalsMs / 1000).toFixed(1)} s`);
    tenants.push({ runs, id, key, seedMs, totalsMs });
  }

  const workflowOf = (t: Tenant) => `wf_${t.id}_${WORKFLOWS[0]!.suffix}`;
  const statsPath = (c: Case, t: Tenant) => {
    const width = WINDOWS.find(([w]) => w === c.window)![1];
    const q = new URLSearchParams({ since: String(end - width), until: String(end) });
    if (c.workflow) q.set("workflow", workflowOf(t));
    return `/api/stats?${q}`;
  };
  const timeOnce = async (c: Case, t: Tenant) => {
    const t0 = performance.now();
    await call("GET", c.window === null ? "/api/metrics" : statsPath(c, t), t.key);
    return performance.now() - t0;
  };
  const readsOnce = async (c: Case, t: Tenant) => {
    const width = WINDOWS.find(([w]) => w === c.window)![1];
    const text = await call("POST", "/bench/dashboard/reads", null, {
      tenantId: t.id,
      ...(c.workflow ? { workflowId: workflowOf(t) } : {}),
      since: end - width,
      until: end,
    });
    return (JSON.parse(text) as { statements: StatementReads[] }).statements;
  };

  const perTenant = <T>(): Record<number, T[]> =>
    Object.fromEntries(tenants.map((t) => [t.runs, [] as T[]]));
  const results: CaseResult[] = CASES.map((c) => ({
    ...c,
    ms: perTenant<number>(),
    reads: perTenant<StatementReads[]>(),
  }));
  // One warm-up of each, then the repetitions: every case on both tenants, the order of the
  // tenants and of the cases reversed every other repetition so that noise hits both.
  for (const c of CASES) for (const t of tenants) await timeOnce(c, t);
  log(`bench stats: ${STATS_REPS} repetitions of ${CASES.length} queries on both tenants …`);
  for (let rep = 0; rep < STATS_REPS; rep++) {
    const cases = rep % 2 === 0 ? results : [...results].reverse();
    const order = rep % 2 === 0 ? tenants : [...tenants].reverse();
    for (const r of cases) {
      for (const t of order) {
        r.ms[t.runs]!.push(await timeOnce(r, t));
        if (r.window !== null) r.reads[t.runs]!.push(await readsOnce(r, t));
      }
    }
  }
  const largest = tenants.at(-1)!;
  const sample = JSON.parse(
    await call(
      "GET",
      statsPath({ label: "", window: "30d", workflow: false }, largest),
      largest.key,
    ),
  ) as Record<string, unknown>;
  return {
    end,
    tenants,
    cases: results,
    sample: {
      capped: sample.capped,
      totals: sample.totals,
      durations: sample.durations,
      nodes: {
        ...(sample.nodes as Record<string, unknown>),
        slowest: undefined,
        failing: undefined,
      },
      models: sample.models,
      approvals: sample.approvals,
    },
  };
}

/** Per statement: rows read (the same every time) and the median of D1's own time. */
function statementFigures(reps: StatementReads[][] | undefined) {
  const first = reps?.[0] ?? [];
  return first.map((s, i) => ({
    name: s.name,
    rowsRead: s.rowsRead,
    ms: median((reps ?? []).map((r) => r[i]?.durationMs ?? Number.NaN)),
  }));
}

export function dashboardReport(r: DashboardResults): string {
  const [small, large] = [r.tenants[0]!, r.tenants.at(-1)!];
  const seeding = r.tenants
    .map(
      (t) =>
        `${t.runs.toLocaleString("en")} runs: ${(t.seedMs / 1000).toFixed(1)} s seeding, ${(t.totalsMs / 1000).toFixed(1)} s for the metric totals`,
    )
    .join("; ");
  const mp = (ms: number[] | undefined) => `${fmt(median(ms ?? []), 1)} / ${fmt(p95(ms ?? []), 1)}`;
  const rows = r.cases.map((c) => {
    const s = statementFigures(c.reads[small.runs]);
    const l = statementFigures(c.reads[large.runs]);
    const rowsRead = (f: typeof s) => f.reduce((n, x) => n + x.rowsRead, 0);
    const d1 = (f: typeof s) => f.reduce((n, x) => n + x.ms, 0);
    return [
      c.label,
      mp(c.ms[small.runs]),
      mp(c.ms[large.runs]),
      fmt(median(c.ms[large.runs] ?? []) / median(c.ms[small.runs] ?? []), 1),
      c.window === null ? "–" : `${fmt(d1(s), 1)} / ${fmt(d1(l), 1)}`,
      c.window === null ? "–" : `${rowsRead(s)} / ${rowsRead(l)}`,
    ];
  });
  const table = markdownTable(
    [
      "query",
      `${small.runs} runs: ms median / p95`,
      `${large.runs} runs: ms median / p95`,
      "ratio of medians",
      "D1 ms (sum of statements)",
      `rows read (${small.runs} / ${large.runs})`,
    ],
    rows,
  );
  const widest = r.cases.filter((c) => c.window === "30d");
  const perStatement = markdownTable(
    ["query", "statement", "rows read", "D1 ms (median)"],
    widest.flatMap((c) =>
      statementFigures(c.reads[large.runs]).map((s) => [
        c.label,
        s.name,
        String(s.rowsRead),
        fmt(s.ms, 2),
      ]),
    ),
  );
  return [
    `Seeded: ${seeding}. Windows end at ${new Date(r.end).toISOString()}; workflow= is the largest workflow (${WORKFLOWS[0]!.share}% of the runs).`,
    table,
    `Per statement at ${large.runs} runs, 30-day window (D1's own figures, \`meta.rows_read\` and \`meta.duration\`):`,
    perStatement,
    `The ${large.runs}-run tenant's 30-day answer: \`${JSON.stringify(r.sample)}\``,
  ].join("\n\n");
}
