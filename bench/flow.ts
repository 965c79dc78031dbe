/**
 * The flow-control bench (issue 20, docs/FLOW-CONTROL.md), in one `wrangler dev`:
 * - admission cost: the start request of a run admitted directly (a workflow without a limit)
 *   against one queued (a workflow whose one slot is held), interleaved, one at a time;
 * - drain: `BENCH_FLOW_RUNS` runs (default 1,000) of a start → transform → end workflow with
 *   `concurrency.limit` `BENCH_FLOW_LIMIT` (default 10) admitted as fast as the API takes them,
 *   until every one has completed: runs per second, and from each run's event log (its
 *   `run_started` and `run_completed`) the most that were active at once.
 * Cloudflare Workflows has no concurrency limit to compare with: the baseline is aob's own
 * direct admission, measured side by side.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { type Answer, attempt } from "./attempts";
import { fmt, markdownTable, median, mostAtOnce, p95 } from "./stats";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
export const FLOW_RUNS = env("BENCH_FLOW_RUNS", 1000);
export const FLOW_LIMIT = env("BENCH_FLOW_LIMIT", 10);
export const FLOW_ADMISSIONS = env("BENCH_FLOW_ADMISSIONS", 200);
/** Runs the other tenant queues before the fairness probe. */
export const FLOW_BACKLOG = env("BENCH_FLOW_BACKLOG", 500);
/** Probe runs per condition (idle, behind the other tenant's backlog). */
const FAIR_PROBES = 10;
/** Start requests in flight at once while the drain's runs are admitted. */
const ADMIT_PARALLEL = 20;
const DEADLINE_MS = env("BENCH_FLOW_DEADLINE_S", 600) * 1000;
const POLL_MS = 250;

export interface FlowContext {
  base: string;
  key: string;
  log: (line: string) => void;
  signal: AbortSignal;
}

export interface FlowResults {
  admissions: { direct: number[]; queued: number[] };
  /** A run of tenant B's limited workflow: start request → its end, ms, with and without tenant A's backlog. */
  fairness: { idle: number[]; behindBacklog: number[]; backlog: number; queued: number };
  drain: {
    runs: number;
    limit: number;
    /** The event that ends the holders → the last run's `run_completed`, ms. */
    wallMs: number;
    /** Start requests sent → all answered, ms. */
    admitMs: number;
    completed: number;
    /** The most runs between `run_started` and `run_completed` at one instant. */
    mostActive: number;
    /** Runs whose log held other than one `run_queued`, one `run_started`, one end. */
    odd: number;
  } | null;
  failures: string[];
}

const json = <T>(a: Answer | string) => (typeof a === "string" ? null : (a.json as T | null));

class Api {
  private readonly headers: Record<string, string>;
  constructor(
    private readonly base: string,
    key: string,
  ) {
    this.headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  }
  post(path: string, body: unknown) {
    const init = { method: "POST", headers: this.headers, body: JSON.stringify(body) };
    return attempt(`${this.base}${path}`, init, 30_000);
  }
  get(path: string) {
    return attempt(`${this.base}${path}`, { headers: this.headers }, 30_000);
  }
  async create(definition: unknown): Promise<string> {
    const id = json<{ id?: string }>(await this.post("/api/workflows", definition))?.id;
    if (typeof id !== "string") throw new Error("bench: could not create a flow workflow");
    return id;
  }
}

const chain = (name: string, concurrency?: unknown) => ({
  name,
  ...(concurrency ? { concurrency } : {}),
  nodes: [
    { id: "start", type: "start" },
    { id: "work", type: "transform", config: { expression: "input.i * 2" } },
    { id: "done", type: "end", config: { output: "{{ nodes.work.output }}" } },
  ],
  edges: [
    { from: "start", to: "work" },
    { from: "work", to: "done" },
  ],
});

export async function measureFlow(c: FlowContext): Promise<FlowResults> {
  const api = new Api(c.base, c.key);
  const tag = Date.now();
  const failures: string[] = [];
  const direct = await api.create(chain(`bench-flow-direct-${tag}`));
  // One slot, held for ever by a wait: every start after the first is queued.
  const held = await api.create({
    name: `bench-flow-held-${tag}`,
    concurrency: { limit: 1, maxQueued: 10_000 },
    nodes: [
      { id: "start", type: "start" },
      { id: "w", type: "wait", config: { event: `bench.never.${tag}` } },
      { id: "done", type: "end" },
    ],
    edges: [
      { from: "start", to: "w" },
      { from: "w", to: "done", on: "received" },
    ],
  });
  const admissions = { direct: [] as number[], queued: [] as number[] };
  await api.post(`/api/workflows/${held}/runs`, { input: {} });
  for (let i = 0; i < FLOW_ADMISSIONS; i++) {
    c.signal.throwIfAborted();
    for (const [which, wf] of i % 2 === 0
      ? ([
          ["direct", direct],
          ["queued", held],
        ] as const)
      : ([
          ["queued", held],
          ["direct", direct],
        ] as const)) {
      const t0 = performance.now();
      const answer = await api.post(`/api/workflows/${wf}/runs`, { input: { i } });
      const ms = performance.now() - t0;
      const status = json<{ status?: string }>(answer)?.status;
      const expected = which === "direct" ? "running" : "queued";
      if (status !== expected) {
        failures.push(
          `admission ${i} ${which}: answered ${typeof answer === "string" ? answer : answer.text.slice(0, 200)}`,
        );
        continue;
      }
      admissions[which].push(ms);
    }
  }
  c.log(
    `bench: flow admission: direct ${fmt(median(admissions.direct))} ms, queued ${fmt(median(admissions.queued))} ms (medians of ${FLOW_ADMISSIONS})`,
  );

  // Fairness: tenant B's run of its own limited workflow, idle and behind tenant A's backlog.
  const otherKey = `aob_bench_other_${tag}`;
  await attempt(`${c.base}/bench/tenant`, {
    method: "POST",
    body: JSON.stringify({ id: `t_bench_${tag}`, key: otherKey }),
  });
  const other = new Api(c.base, otherKey);
  const probeWf = await other.create(
    chain(`bench-flow-probe-${tag}`, { limit: 1, maxQueued: 10_000 }),
  );
  const probe = async () => {
    const t = performance.now();
    const runId = json<{ runId?: string; status?: string }>(
      await other.post(`/api/workflows/${probeWf}/runs`, { input: { i: 1 } }),
    )?.runId;
    if (typeof runId !== "string") throw new Error("bench: the fairness probe did not start");
    for (;;) {
      const status = json<{ status?: string }>(await other.get(`/api/runs/${runId}`))?.status;
      if (status === "completed") return performance.now() - t;
      if (status === "failed" || status === "cancelled") throw new Error(`probe ${status}`);
      await sleep(5);
    }
  };
  const fairness = { idle: [] as number[], behindBacklog: [] as number[], backlog: 0, queued: 0 };
  for (let i = 0; i < FAIR_PROBES; i++) fairness.idle.push(await probe());
  let nextBacklog = 0;
  await Promise.all(
    Array.from({ length: ADMIT_PARALLEL }, async () => {
      for (;;) {
        const i = nextBacklog++;
        if (i >= FLOW_BACKLOG) return;
        const status = json<{ status?: string }>(
          await api.post(`/api/workflows/${held}/runs`, { input: { backlog: i } }),
        )?.status;
        if (status === "queued") fairness.queued++;
      }
    }),
  );
  fairness.backlog = FLOW_BACKLOG;
  for (let i = 0; i < FAIR_PROBES; i++) fairness.behindBacklog.push(await probe());
  c.log(
    `bench: flow fairness: tenant B's run ${fmt(median(fairness.idle))} ms idle, ${fmt(median(fairness.behindBacklog))} ms behind tenant A's ${fairness.queued} queued`,
  );

  // The first `limit` runs hold every slot until an event; the others queue behind them.
  const go = `bench.go.${tag}`;
  const drained = await api.create({
    name: `bench-flow-drain-${tag}`,
    concurrency: { limit: FLOW_LIMIT, maxQueued: 10_000 },
    nodes: [
      { id: "start", type: "start" },
      { id: "hold", type: "condition", config: { expression: "input.hold = true" } },
      { id: "w", type: "wait", config: { event: go } },
      { id: "work", type: "transform", config: { expression: "input.i * 2" } },
      { id: "done", type: "end", join: "any" },
    ],
    edges: [
      { from: "start", to: "hold" },
      { from: "hold", to: "w", on: "true" },
      { from: "hold", to: "work", on: "false" },
      { from: "w", to: "done", on: "received" },
      { from: "work", to: "done" },
    ],
  });
  const ids: string[] = new Array(FLOW_RUNS);
  const t0 = performance.now();
  for (let i = 0; i < FLOW_LIMIT; i++) {
    const answer = await api.post(`/api/workflows/${drained}/runs`, { input: { i, hold: true } });
    const runId = json<{ runId?: string }>(answer)?.runId;
    if (typeof runId === "string") ids[i] = runId;
  }
  let next = FLOW_LIMIT;
  await Promise.all(
    Array.from({ length: ADMIT_PARALLEL }, async () => {
      for (;;) {
        const i = next++;
        if (i >= FLOW_RUNS) return;
        const answer = await api.post(`/api/workflows/${drained}/runs`, { input: { i } });
        const runId = json<{ runId?: string }>(answer)?.runId;
        if (typeof runId === "string") ids[i] = runId;
        else
          failures.push(
            `drain start ${i}: ${typeof answer === "string" ? answer : answer.text.slice(0, 200)}`,
          );
      }
    }),
  );
  const admitMs = performance.now() - t0;
  c.log(`bench: flow drain: ${FLOW_RUNS} admitted in ${fmt(admitMs, 0)} ms; releasing`);
  // The queue is full of runs: the event ends the holders, and the drain begins.
  const sentAt = Date.now();
  await api.post("/api/events", { name: go });
  type Row = { runs: { id: string; status: string }[]; nextCursor: string | null };
  let completed = 0;
  for (;;) {
    c.signal.throwIfAborted();
    let ended = 0;
    completed = 0;
    let cursor: string | null = null;
    do {
      const page: Row | null = json<Row>(
        await api.get(
          `/api/runs?workflowId=${drained}&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
        ),
      );
      for (const r of page?.runs ?? []) {
        if (!["queued", "running", "waiting"].includes(r.status)) ended++;
        if (r.status === "completed") completed++;
      }
      cursor = page?.nextCursor ?? null;
    } while (cursor);
    if (ended >= FLOW_RUNS) break;
    if (performance.now() - t0 > DEADLINE_MS) {
      failures.push(`drain: ${ended} of ${FLOW_RUNS} ended after ${DEADLINE_MS} ms`);
      break;
    }
    await sleep(POLL_MS);
  }
  const spans: { from: number; to: number }[] = [];
  let odd = 0;
  for (const id of ids.filter(Boolean)) {
    const events = json<{ events: { type: string; at: number }[] }>(
      await api.get(`/api/runs/${id}/events?limit=100`),
    )?.events;
    const started = events?.filter((e) => e.type === "run_started") ?? [];
    const ends = events?.filter((e) => e.type === "run_completed" || e.type === "run_failed") ?? [];
    const queued = events?.filter((e) => e.type === "run_queued") ?? [];
    if (started.length !== 1 || ends.length !== 1 || queued.length !== 1) {
      odd++;
      continue;
    }
    spans.push({ from: started[0]!.at, to: ends[0]!.at });
  }
  const lastEnd = spans.length > 0 ? Math.max(...spans.map((s) => s.to)) : Number.NaN;
  return {
    admissions,
    fairness,
    drain: {
      runs: FLOW_RUNS,
      limit: FLOW_LIMIT,
      wallMs: lastEnd - sentAt,
      admitMs,
      completed,
      mostActive: mostAtOnce(spans),
      odd,
    },
    failures,
  };
}

export function flowReport(r: FlowResults): string {
  const { direct, queued } = r.admissions;
  const rows = [
    ["direct (no limit)", String(direct.length), fmt(median(direct)), fmt(p95(direct))],
    ["queued (limit reached)", String(queued.length), fmt(median(queued)), fmt(p95(queued))],
  ];
  const lines = [
    markdownTable(["admission", "starts", "median ms", "p95 ms"], rows),
    `Queued / direct (median start request): ${fmt(median(queued) / median(direct))}.`,
    markdownTable(
      ["tenant B's run (start → completed)", "runs", "median ms", "p95 ms"],
      [
        [
          "idle",
          String(r.fairness.idle.length),
          fmt(median(r.fairness.idle)),
          fmt(p95(r.fairness.idle)),
        ],
        [
          `behind tenant A's ${r.fairness.queued} queued runs`,
          String(r.fairness.behindBacklog.length),
          fmt(median(r.fairness.behindBacklog)),
          fmt(p95(r.fairness.behindBacklog)),
        ],
      ],
    ),
  ];
  const d = r.drain;
  if (d) {
    lines.push(
      markdownTable(
        [
          "runs",
          "limit",
          "admitted in ms",
          "drained in ms",
          "queued runs per second",
          "completed",
          "most active at once",
          "odd logs",
        ],
        [
          [
            String(d.runs),
            String(d.limit),
            fmt(d.admitMs, 0),
            fmt(d.wallMs, 0),
            fmt(((d.completed - d.limit) / d.wallMs) * 1000, 1),
            String(d.completed),
            String(d.mostActive),
            String(d.odd),
          ],
        ],
      ),
    );
  }
  lines.push(
    `Admission: ${FLOW_ADMISSIONS} starts of each, interleaved, one at a time (a direct run is start → transform → end; a queued one waits behind a run holding the only slot). Drain: ${FLOW_RUNS} runs with \`concurrency.limit\` ${FLOW_LIMIT}: the first ${FLOW_LIMIT} hold every slot on a \`wait\`, the other ${FLOW_RUNS - FLOW_LIMIT} (start → condition → transform → end) are admitted behind them (${ADMIT_PARALLEL} requests at a time), then one event ends the holders. "Drained in": from that event to the latest \`run_completed\`; "most active at once": from every run's own \`run_started\` → end.`,
  );
  if (r.failures.length > 0) lines.push(`Failures:\n${r.failures.map((f) => `- ${f}`).join("\n")}`);
  return lines.join("\n\n");
}
