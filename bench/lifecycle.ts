/**
 * The data lifecycle bench (issue 18): sweeping `BENCH_SWEEP_RUNS` (10,000) expired runs, one
 * scheduled invocation at a time (time, invocations, rows, objects and bytes freed), and the
 * blob route's lookup before and after issue 18 at `BENCH_LOOKUP_EXECUTIONS` (100,000) node
 * executions. No Workflows twin: Workflows has no retention to compare with.
 */
import type { WorkflowDefinitionInput } from "../core/workflow/definition";
import { fmt, markdownTable, median, p95 } from "./stats";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
export const SWEEP_RUNS = env("BENCH_SWEEP_RUNS", 10_000);
export const LOOKUP_EXECUTIONS = env("BENCH_LOOKUP_EXECUTIONS", 100_000);
const LOOKUPS = 200;
const STARTS_AT_ONCE = 25;
/** Sweep invocations, and runs started, between two restarts of wrangler dev (measureLifecycle). */
const RESTART_EVERY = 10;
const RESTART_RUNS = 2_500;
const DAY = 86_400_000;
const mean = (values: readonly number[]) =>
  values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/** start → shape (a transform whose output differs per run: one stored object each) → end. */
const EXPIRING: WorkflowDefinitionInput = {
  name: "bench expiring",
  nodes: [
    { id: "start", type: "start" },
    {
      id: "shape",
      type: "transform",
      config: { expression: "{ 'n': input.n, 'pad': $pad('', 200, 'x') }" },
    },
    { id: "done", type: "end", config: { output: "{{ nodes.shape.output }}" } },
  ],
  edges: [
    { from: "start", to: "shape" },
    { from: "shape", to: "done" },
  ],
};

export interface Invocation {
  ms: number;
  runsDeleted: number;
  rowsDeleted: number;
  blobsDeleted: number;
  bytesFreed: number;
  more: boolean;
}

export interface LifecycleResults {
  /** Invocations local workerd restarted under, and restarts of wrangler dev by the bench. */
  interrupted: number;
  restarts: number;
  /** Every sweep's own record (`sweeps`), interrupted ones included. */
  recorded: Omit<Invocation, "ms">[];
  runs: number;
  startMs: number;
  usageBefore: Usage;
  usageAfter: Usage;
  invocations: Invocation[];
  lookup: { executions: number; old: number[]; now: number[] };
}

interface Usage {
  runs: number;
  events: number;
  executions: number;
  blobs: number;
  blobBytes: number;
  runsByStatus: Record<string, number>;
}

export async function measureLifecycle(ctx: {
  base: string;
  key: string;
  log: (line: string) => void;
  signal: AbortSignal;
  restart: () => Promise<string>;
}): Promise<LifecycleResults> {
  const { key, log, signal } = ctx;
  let base = ctx.base;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  };

  log(`bench lifecycle: starting ${SWEEP_RUNS} runs …`);
  const completedAtLeast = async (n: number, blobs: number): Promise<Usage> => {
    for (;;) {
      const usage = await call<Usage>("GET", "/api/usage");
      // Their outbox writes may trail the projection: wait until every run's output is held.
      if ((usage.runsByStatus.completed ?? 0) >= n && usage.blobs >= blobs) return usage;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  const t0 = performance.now();
  for (let at = 0; at < SWEEP_RUNS; at += STARTS_AT_ONCE) {
    const batch = Math.min(STARTS_AT_ONCE, SWEEP_RUNS - at);
    await Promise.all(
      Array.from({ length: batch }, (_, i) =>
        call("POST", "/bench/optimiser-run", {
          definition: EXPIRING,
          input: { n: at + i },
          passes: null,
        }),
      ),
    );
    const started = at + batch;
    if (started % RESTART_RUNS === 0 && started < SWEEP_RUNS) {
      // See the sweep loop below: the objects' open files.
      await completedAtLeast(started, 0);
      base = await ctx.restart();
      log(`  ${started} started (wrangler dev restarted)`);
    }
  }
  const usage = await completedAtLeast(SWEEP_RUNS, SWEEP_RUNS);
  const startMs = performance.now() - t0;
  const usageBefore = usage;
  log(
    `bench lifecycle: ${SWEEP_RUNS} runs completed in ${(startMs / 1000).toFixed(0)} s; sweeping`,
  );

  await call("PUT", "/api/retention", { days: 1 });
  const at = Date.now() + 2 * DAY;
  const invocations: Invocation[] = [];
  let restarts = 0;
  let interrupted = 0;
  let inARow = 0;
  for (;;) {
    // Local workerd keeps every object it opened, with its SQLite files, and this machine
    // allows 20,000 open files: 10,000 runs' objects fill that. Restarts between invocations
    // (not timed) stand in for the object eviction a deployed Worker has.
    if (invocations.length % RESTART_EVERY === 0 && inARow === 0) {
      base = await ctx.restart();
      restarts += 1;
    }
    const res = await fetch(`${base}/bench/sweep?at=${at}`, { method: "POST", signal });
    if (res.status === 503 && (await res.text()).includes("restarted mid-request")) {
      // Local workerd restarted under the invocation: the next one finishes what it began
      // (a deletion is resumable), as the next minute's sweep would.
      interrupted += 1;
      if (++inARow > 3) throw new Error("wrangler dev restarted under 4 sweeps in a row");
      continue;
    }
    if (!res.ok) throw new Error(`POST /bench/sweep: ${res.status} ${await res.text()}`);
    inARow = 0;
    const { ms, report } = (await res.json()) as { ms: number; report: Omit<Invocation, "ms"> };
    invocations.push({ ms, ...report });
    if (invocations.length % 10 === 0) {
      log(
        `  ${invocations.length} sweeps, ${invocations.reduce((n, i) => n + i.runsDeleted, 0)} runs`,
      );
    }
    if (!report.more && report.runsDeleted === 0) break;
  }
  const usageAfter = await call<Usage>("GET", "/api/usage");
  log(
    `bench lifecycle: swept in ${invocations.length} invocations (${interrupted} more interrupted), ${restarts} restarts`,
  );
  // What every sweep did, as it recorded it: an interrupted one's deletions count too.
  const recorded = await call<{ sweeps: Omit<Invocation, "ms">[] }>("GET", "/bench/sweeps");

  log(`bench lifecycle: blob lookup at ${LOOKUP_EXECUTIONS} executions …`);
  const lookup = await call<{ old: number[]; now: number[] }>("POST", "/bench/blob-lookup", {
    executions: LOOKUP_EXECUTIONS,
    lookups: LOOKUPS,
  });
  return {
    interrupted,
    restarts,
    recorded: recorded.sweeps,
    runs: SWEEP_RUNS,
    startMs,
    usageBefore,
    usageAfter,
    invocations,
    lookup: { executions: LOOKUP_EXECUTIONS, ...lookup },
  };
}

export function lifecycleReport(r: LifecycleResults): string {
  const working = r.invocations.filter((i) => i.runsDeleted > 0);
  const sum = (pick: (i: Omit<Invocation, "ms">) => number) =>
    r.recorded.reduce((n, i) => n + pick(i), 0);
  const totalMs = r.invocations.reduce((n, i) => n + i.ms, 0);
  const sweep = markdownTable(
    ["what", "value"],
    [
      ["expired runs", String(r.runs)],
      [
        "sweep invocations (budget 200 runs each)",
        `${r.invocations.length} answered (${working.length} deleting), ${r.interrupted} interrupted by a local workerd restart, ${r.restarts} restarts by the bench`,
      ],
      ["time sweeping, all invocations", `${(totalMs / 1000).toFixed(1)} s`],
      [
        "per invocation, median / p95 / max",
        `${fmt(median(working.map((i) => i.ms)), 0)} / ${fmt(p95(working.map((i) => i.ms)), 0)} / ${fmt(Math.max(...working.map((i) => i.ms)), 0)} ms`,
      ],
      [
        "per run (answered invocations)",
        `${fmt(
          totalMs /
            Math.max(
              1,
              working.reduce((n, i) => n + i.runsDeleted, 0),
            ),
          1,
        )} ms`,
      ],
      ["runs deleted (every sweep's record)", String(sum((i) => i.runsDeleted))],
      ["D1 rows deleted", String(sum((i) => i.rowsDeleted))],
      ["R2 objects deleted", String(sum((i) => i.blobsDeleted))],
      ["bytes freed", `${sum((i) => i.bytesFreed)}`],
      ["usage before → after: runs", `${r.usageBefore.runs} → ${r.usageAfter.runs}`],
      ["usage before → after: events", `${r.usageBefore.events} → ${r.usageAfter.events}`],
      [
        "usage before → after: executions",
        `${r.usageBefore.executions} → ${r.usageAfter.executions}`,
      ],
      [
        "usage before → after: blobs (bytes)",
        `${r.usageBefore.blobs} (${r.usageBefore.blobBytes}) → ${r.usageAfter.blobs} (${r.usageAfter.blobBytes})`,
      ],
      ["starting them (for scale)", `${(r.startMs / 1000).toFixed(0)} s`],
    ],
  );
  const lookup = markdownTable(
    ["blob route lookup (D1's own time per query, whole ms locally)", "mean (ms)", "p95 (ms)"],
    [
      [
        "before: node_executions.output_hash ⋈ runs (no index)",
        fmt(mean(r.lookup.old)),
        fmt(p95(r.lookup.old)),
      ],
      ["now: blobs by (tenant, hash)", fmt(mean(r.lookup.now)), fmt(p95(r.lookup.now))],
      [
        "ratio before / now",
        mean(r.lookup.now) > 0
          ? `x${fmt(mean(r.lookup.old) / mean(r.lookup.now), 1)}`
          : "now under 1 ms every time",
        "",
      ],
    ],
  );
  return `${sweep}\n\nAt ${r.lookup.executions} node executions of one tenant, ${r.lookup.old.length} lookups each:\n\n${lookup}`;
}
