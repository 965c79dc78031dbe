/**
 * The sub-workflow fan-out bench (issue 19): one aob run whose `map` starts a child run per item
 * (1,000 by default, each start → transform → end, at the map's largest concurrency), against
 * Cloudflare Workflows creating as many instances of a 3-step chain (`createBatch`, 100 a call)
 * in the same `wrangler dev`. Per engine and round: wall from the start request to the first
 * poll that sees every child's end, the output checked item by item, the children's own
 * lifetimes, the last child's end by its own clock, and how many were alive at once.
 *
 * aob can also run (`BENCH_CHILDREN_ENGINES=aob,aob-delay,workflows`) the same parent with a
 * `delay` of 0 s before the map, a control from when a child's end notice arriving as the run's
 * first call re-ran child starts still in flight (fixed: engine.ts `create`, child-runs.ts).
 *
 * Each round gets a fresh `wrangler dev` over the same state (local workerd keeps every object
 * it opened with its SQLite files open, and a round opens some 3,000) and a small warm-up of
 * each engine; the engines' order is reversed every other round.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { MapConfig } from "../core/kinds/map";
import type { WorkflowDefinitionInput } from "../core/workflow/definition";
import { type Answer, attempt, type Outcome, outcomeText } from "./attempts";
import { fmt, markdownTable, median, mostAtOnce, p95 } from "./stats";
import type { BenchOutput } from "./worker";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
/** The most items a map runs at once (core/kinds/map.ts). */
export const MAP_MAX_CONCURRENCY = MapConfig.shape.concurrency.unwrap().maxValue ?? 100;
export const CHILDREN = env("BENCH_CHILDREN", 1000);
export const CHILDREN_ROUNDS = env("BENCH_CHILDREN_ROUNDS", 3);
export const CHILDREN_CONCURRENCY = env("BENCH_CHILDREN_CONCURRENCY", MAP_MAX_CONCURRENCY);
/** Children per engine in the warm-up after each restart (not recorded). */
const WARMUP = env("BENCH_CHILDREN_WARMUP", 20);
/**
 * Both engines are polled at this interval: a poll of 1,000 Workflows instances may read up to
 * 1,000 statuses, so 20 ms (the other parts') would load the machine it measures.
 */
export const CHILDREN_POLL_MS = env("BENCH_CHILDREN_POLL_MS", 100);
/** A run (or batch) not ended by then is recorded as failed (`bench_deadline`). */
const DEADLINE_MS = env("BENCH_CHILDREN_DEADLINE_S", 300) * 1000;
/** How long the bench waits for D1 to hold every child's end once the parent's is seen. */
const PROJECTION_DEADLINE_MS = 120_000;
/**
 * A status poll not answered by then is dropped and sent again. Local workerd answers no HTTP
 * request while an in-process fan-out of Durable Objects keeps it busy (docs/BENCHMARKS.md,
 * session 13), and may drop the first one: a long timeout would count that as the engine's time.
 */
const POLL_TIMEOUT_MS = 10_000;

const ENGINES = {
  aob: "aob",
  "aob-delay": "aob, delay 0 s first",
  workflows: "Workflows",
} as const;
export type ChildrenEngine = (typeof ENGINES)[keyof typeof ENGINES];
type EngineKey = keyof typeof ENGINES;

/** `BENCH_CHILDREN_ENGINES=aob,workflows` (the default; `aob-delay` too): which engines run. */
export const CHILDREN_ENGINES: EngineKey[] = (process.env.BENCH_CHILDREN_ENGINES ?? "aob,workflows")
  .split(",")
  .map((e) => {
    const key = e.trim();
    if (!(key in ENGINES)) {
      throw new Error(`BENCH_CHILDREN_ENGINES: "${key}" is not one of ${Object.keys(ENGINES)}`);
    }
    return key as EngineKey;
  });

/** A child's creation and end, epoch ms (aob: its D1 row; Workflows: its output's marks). */
interface Span {
  createdAt: number;
  finishedAt: number;
}

export interface ChildrenSample {
  engine: ChildrenEngine;
  round: number;
  children: number;
  outcome: Outcome;
  /** Start request sent → first poll that saw the parent's end (aob) or every instance's. */
  wallMs: number;
  /**
   * Start request sent → the end by the engine's own clock: aob, the parent's `finishedAt`;
   * Workflows, the last instance's `end` step (the same machine's clock as the bench's).
   */
  endMs: number;
  /** Start request sent → the last child's end by its own clock (same machine clock). */
  lastEndMs: number;
  /** How long the start request took (aob: the parent's start; Workflows: every createBatch). */
  startMs: number;
  /** aob: start request sent → D1 holding every child `completed` (NaN: not within the deadline). */
  projectedMs: number;
  /** Each child's creation to its end, ms. */
  lifetimes: number[];
  /** The most children alive at one moment (created, not yet ended). */
  inFlight: number;
  polls: number;
}

export interface ChildrenResults {
  children: number;
  concurrency: number;
  engines: ChildrenEngine[];
  samples: ChildrenSample[];
}

export interface ChildrenContext {
  base: string;
  key: string;
  log: (line: string) => void;
  signal: AbortSignal;
  /** A fresh `wrangler dev` over the same state; its URL. */
  restart: () => Promise<string>;
}

/** start → work (n × n) → done: the child, 3 nodes. */
function childDefinition(tag: string): WorkflowDefinitionInput {
  return {
    name: `bench-child-${tag}`,
    nodes: [
      { id: "start", type: "start" },
      { id: "work", type: "transform", config: { expression: "input.n * input.n" } },
      { id: "done", type: "end", config: { output: "{{ nodes.work.output }}" } },
    ],
    edges: [
      { from: "start", to: "work" },
      { from: "work", to: "done" },
    ],
  };
}

/**
 * start → each (a child per item of 1 … input.n) → done, whose output is the map's; with
 * `delayFirst`, a `delay` of 0 s between start and the map (see the file's comment).
 */
function parentDefinition(
  tag: string,
  childId: string,
  delayFirst: boolean,
): WorkflowDefinitionInput {
  const path = delayFirst ? ["start", "wake", "each", "done"] : ["start", "each", "done"];
  return {
    name: `bench-children-${tag}${delayFirst ? "-delay" : ""}`,
    nodes: [
      { id: "start", type: "start" },
      ...(delayFirst ? [{ id: "wake", type: "delay", config: { seconds: 0 } }] : []),
      {
        id: "each",
        type: "map",
        // The map's default timeout (300 s) would end a slow round before the bench's deadline.
        timeoutMs: DEADLINE_MS,
        config: {
          items: "[1..input.n]",
          concurrency: CHILDREN_CONCURRENCY,
          node: { type: "subworkflow", config: { workflow: childId, input: { n: "{{ item }}" } } },
        },
      },
      { id: "done", type: "end", config: { output: "{{ nodes.each.output }}" } },
    ],
    edges: path.slice(1).map((to, i) => ({ from: path[i]!, to })),
  };
}

/** The first index whose value is not (index + 1)², as a message; null when all are. */
function wrongSquare(values: readonly unknown[], n: number): string | null {
  if (values.length !== n) return `${values.length} results, expected ${n}`;
  for (let i = 0; i < n; i++) {
    if (values[i] !== (i + 1) * (i + 1)) {
      return `result ${i} is ${JSON.stringify(values[i])}, expected ${(i + 1) ** 2}`;
    }
  }
  return null;
}

const failed = (code: string, message: string): Outcome => ({ status: "failed", code, message });
const json = <T>(a: Answer | string) => (typeof a === "string" ? null : (a.json as T | null));

function emptySample(engine: ChildrenEngine, round: number, children: number): ChildrenSample {
  return {
    engine,
    round,
    children,
    outcome: { status: "completed" },
    wallMs: Number.NaN,
    endMs: Number.NaN,
    lastEndMs: Number.NaN,
    startMs: Number.NaN,
    projectedMs: Number.NaN,
    lifetimes: [],
    inFlight: 0,
    polls: 0,
  };
}

/** Lifetimes, most alive at once and the last end (from `sentAt`, epoch ms) of the children. */
function spansInto(sample: ChildrenSample, spans: Span[], sentAt: number): void {
  sample.lifetimes = spans.map((s) => s.finishedAt - s.createdAt);
  sample.inFlight = mostAtOnce(spans.map((s) => ({ from: s.createdAt, to: s.finishedAt })));
  if (spans.length > 0) sample.lastEndMs = Math.max(...spans.map((s) => s.finishedAt)) - sentAt;
}

/** A child run's row in D1, as `GET /bench/children` reads it (bench/worker.ts). */
interface RunRow {
  status: string;
  createdAt: number;
  finishedAt: number | null;
}

/** What the bench route `POST /bench/workflows/statuses` answers per instance (bench/worker.ts). */
interface StatusView {
  id: string;
  status: string;
  output?: BenchOutput;
  error?: unknown;
}

const ENDED = new Set(["complete", "errored", "terminated"]);

class Engines {
  private readonly headers: Record<string, string>;

  constructor(
    public base: string,
    key: string,
    private readonly parents: { plain: string; delayFirst: string },
  ) {
    this.headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  }

  private post(path: string, body: unknown) {
    const init = { method: "POST", headers: this.headers, body: JSON.stringify(body) };
    return attempt(`${this.base}${path}`, init);
  }

  private children(since: number) {
    return attempt(`${this.base}/bench/children?since=${since}`).then(
      (a) => json<{ runs: RunRow[] }>(a)?.runs ?? null,
    );
  }

  run(engine: EngineKey, n: number, round: number, signal: AbortSignal) {
    if (engine === "workflows") return this.workflows(n, round, signal);
    return this.aob(engine, n, round, signal);
  }

  /** One parent run of `n` children, polled to its end; then D1's rows of its children. */
  private async aob(
    engine: Exclude<EngineKey, "workflows">,
    n: number,
    round: number,
    signal: AbortSignal,
  ): Promise<ChildrenSample> {
    const sample = emptySample(ENGINES[engine], round, n);
    const parent = engine === "aob" ? this.parents.plain : this.parents.delayFirst;
    const sentAt = Date.now();
    const t0 = performance.now();
    const started = await this.post(`/api/workflows/${parent}/runs`, { input: { n } });
    sample.startMs = performance.now() - t0;
    const runId = json<{ runId?: string }>(started)?.runId;
    if (typeof runId !== "string") {
      const text = typeof started === "string" ? started : started.text.slice(0, 300);
      return { ...sample, outcome: { status: "refused", code: "start", message: text } };
    }
    let view: {
      status?: string;
      output?: unknown;
      error?: unknown;
      finishedAt?: number | null;
    } | null = null;
    let lastError = "";
    for (;;) {
      signal.throwIfAborted();
      const polled = await attempt(
        `${this.base}/api/runs/${runId}`,
        { headers: this.headers },
        POLL_TIMEOUT_MS,
      );
      sample.polls++;
      if (typeof polled === "string") lastError = polled;
      else view = json(polled);
      const status = view?.status ?? "";
      if (status === "completed" || status === "failed" || status === "cancelled") break;
      if (performance.now() - t0 > DEADLINE_MS) {
        await this.post(`/api/runs/${runId}/cancel`, {});
        const message = `run ${runId} still "${status}" after ${DEADLINE_MS} ms${lastError ? `; last poll error: ${lastError}` : ""}`;
        sample.outcome = failed("bench_deadline", message);
        break;
      }
      await sleep(CHILDREN_POLL_MS);
    }
    if (sample.outcome.status === "completed") {
      sample.wallMs = performance.now() - t0;
      if (typeof view?.finishedAt === "number") sample.endMs = view.finishedAt - sentAt;
      if (view?.status !== "completed") {
        const error = view?.error as { code?: string; message?: string } | undefined;
        sample.outcome = failed(
          error?.code ?? `run_${view?.status}`,
          `run ${runId} ${view?.status}: ${error?.message ?? JSON.stringify(error ?? null)}`,
        );
      } else {
        const wrong = wrongSquare(Array.isArray(view.output) ? view.output : [], n);
        if (wrong) sample.outcome = failed("wrong_output", wrong);
      }
    }
    // Each child's row is projected to D1 in the background. Waiting for every one keeps this
    // run's writes out of the next, and their times give the children's lifetimes. After a
    // failure, wait until no child is left running (the parent cancels the rest).
    const ok = sample.outcome.status === "completed";
    for (;;) {
      const rows = await this.children(sentAt);
      const ended = (rows ?? []).filter((r) => r.finishedAt !== null);
      const settled = ok
        ? ended.filter((r) => r.status === "completed").length >= n
        : rows !== null && ended.length === rows.length;
      if (settled) {
        if (ok) sample.projectedMs = performance.now() - t0;
        const spans = ended.map((r) => ({ createdAt: r.createdAt, finishedAt: r.finishedAt! }));
        spansInto(sample, spans, sentAt);
        break;
      }
      if (performance.now() - t0 > DEADLINE_MS + PROJECTION_DEADLINE_MS) break;
      await sleep(CHILDREN_POLL_MS);
    }
    return sample;
  }

  /** `n` Workflows instances of the `child` shape, polled until every one has ended. */
  private async workflows(n: number, round: number, signal: AbortSignal): Promise<ChildrenSample> {
    const sample = emptySample(ENGINES.workflows, round, n);
    const sentAt = Date.now();
    const t0 = performance.now();
    const created = await this.post("/bench/workflows/batch", { count: n });
    sample.startMs = performance.now() - t0;
    const ids = json<{ ids?: string[] }>(created)?.ids;
    if (!Array.isArray(ids)) {
      const text = typeof created === "string" ? created : created.text.slice(0, 300);
      return { ...sample, outcome: { status: "refused", code: "createBatch", message: text } };
    }
    const index = new Map(ids.map((id, i) => [id, i]));
    const ended = new Map<string, StatusView>();
    let pending = ids;
    let lastError = "";
    while (pending.length > 0) {
      signal.throwIfAborted();
      const answer = await attempt(
        `${this.base}/bench/workflows/statuses`,
        { method: "POST", headers: this.headers, body: JSON.stringify({ ids: pending }) },
        POLL_TIMEOUT_MS,
      );
      sample.polls++;
      if (typeof answer === "string") lastError = answer;
      for (const v of json<{ views: StatusView[] }>(answer)?.views ?? []) {
        if (ENDED.has(v.status)) ended.set(v.id, v);
      }
      pending = pending.filter((id) => !ended.has(id));
      if (pending.length === 0) break;
      if (performance.now() - t0 > DEADLINE_MS) {
        const message = `${pending.length} of ${n} instances not ended after ${DEADLINE_MS} ms${lastError ? `; last poll error: ${lastError}` : ""}`;
        return { ...sample, outcome: failed("bench_deadline", message) };
      }
      await sleep(CHILDREN_POLL_MS);
    }
    sample.wallMs = performance.now() - t0;
    const views = [...ended.values()];
    const bad = views.find((v) => v.status !== "complete");
    const values: unknown[] = new Array(n);
    for (const v of views) values[index.get(v.id)!] = v.output?.value;
    const wrong = bad
      ? `instance ${bad.id} ${bad.status}: ${JSON.stringify(bad.error ?? null).slice(0, 300)}`
      : wrongSquare(values, n);
    if (wrong) sample.outcome = failed(bad ? `instance_${bad.status}` : "wrong_output", wrong);
    // Created at the instance's event timestamp; ended when its `end` step ran.
    const spans = views.flatMap((v) =>
      v.output?.marks.length === 3
        ? [{ createdAt: v.output.startedAt, finishedAt: v.output.marks[2]! }]
        : [],
    );
    spansInto(sample, spans, sentAt);
    sample.endMs = sample.lastEndMs;
    return sample;
  }
}

export async function measureChildren(c: ChildrenContext): Promise<ChildrenResults> {
  const tag = `${Date.now()}`;
  const create = async (definition: WorkflowDefinitionInput) => {
    const answer = await attempt(`${c.base}/api/workflows`, {
      method: "POST",
      headers: { authorization: `Bearer ${c.key}`, "content-type": "application/json" },
      body: JSON.stringify(definition),
    });
    const id = json<{ id?: string }>(answer)?.id;
    if (typeof id !== "string") {
      const why = typeof answer === "string" ? answer : answer.text.slice(0, 400);
      throw new Error(`creating ${definition.name}: ${why}`);
    }
    return id;
  };
  const childId = await create(childDefinition(tag));
  const engines = new Engines(c.base, c.key, {
    plain: await create(parentDefinition(tag, childId, false)),
    delayFirst: await create(parentDefinition(tag, childId, true)),
  });
  const samples: ChildrenSample[] = [];
  for (let round = 0; round < CHILDREN_ROUNDS; round++) {
    if (round > 0) engines.base = await c.restart();
    const order = round % 2 === 0 ? CHILDREN_ENGINES : [...CHILDREN_ENGINES].reverse();
    for (const engine of order) {
      const warm = await engines.run(engine, WARMUP, -1, c.signal);
      if (warm.outcome.status !== "completed") {
        c.log(`bench: children warm-up ${ENGINES[engine]}: ${outcomeText(warm.outcome, 200)}`);
      }
    }
    for (const engine of order) {
      const s = await engines.run(engine, CHILDREN, round, c.signal);
      samples.push(s);
      c.log(
        `bench: children round ${round + 1}/${CHILDREN_ROUNDS} ${s.engine}: ended at ${fmt(s.endMs, 0)} ms (${fmt(s.endMs / s.children)} ms/child), seen at ${fmt(s.wallMs, 0)} ms, ${outcomeText(s.outcome, 160)}`,
      );
    }
  }
  return {
    children: CHILDREN,
    concurrency: CHILDREN_CONCURRENCY,
    engines: CHILDREN_ENGINES.map((e) => ENGINES[e]),
    samples,
  };
}

const range = (xs: number[], digits = 0) =>
  xs.length === 0
    ? "–"
    : `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}-${fmt(Math.max(...xs), digits)})`;

/** The report section: one row per engine (medians over the rounds), the ratios, failures. */
export function childrenReport(r: ChildrenResults): string {
  const done = (e: ChildrenEngine) =>
    r.samples.filter((s) => s.engine === e && s.outcome.status === "completed");
  const rows = r.engines.map((e) => {
    const xs = done(e);
    const lifetimes = xs.flatMap((s) => s.lifetimes);
    return [
      e,
      `${xs.length} / ${r.samples.filter((s) => s.engine === e).length}`,
      range(xs.map((s) => s.endMs)),
      range(
        xs.map((s) => s.endMs / s.children),
        2,
      ),
      range(xs.map((s) => s.wallMs)),
      range(xs.map((s) => s.lastEndMs)),
      fmt(median(xs.map((s) => s.startMs)), 0),
      lifetimes.length === 0 ? "–" : `${fmt(median(lifetimes), 0)} / ${fmt(p95(lifetimes), 0)}`,
      range(xs.map((s) => s.inFlight)),
      e === ENGINES.workflows ? "–" : range(xs.map((s) => s.projectedMs)),
      fmt(median(xs.map((s) => s.polls)), 0),
    ];
  });
  const head = [
    "engine",
    "completed rounds",
    "ended ms median (min-max)",
    "ms/child median (min-max)",
    "seen ms median (min-max)",
    "last child's end ms",
    "start request ms",
    "child lifetime ms median / p95",
    "alive at once at most",
    "D1 holds every child ms",
    "polls",
  ];
  const perChild = (e: ChildrenEngine) => median(done(e).map((s) => s.endMs / s.children));
  const ratios = r.engines
    .filter((e) => e !== ENGINES.workflows && r.engines.includes(ENGINES.workflows))
    .map((e) => {
      const ratio = perChild(ENGINES.workflows) / perChild(e);
      return `Workflows / ${e} (median ms/child): ${fmt(ratio)}${ratio > 1 ? " (above 1: aob is faster)" : ""}.`;
    });
  const failures = r.samples
    .filter((s) => s.outcome.status !== "completed")
    .map((s) => `- round ${s.round + 1}, ${s.engine}: ${outcomeText(s.outcome, 500)}`);
  return [
    markdownTable(head, rows),
    ...ratios,
    `aob: one run, start → map (\`items: "[1..input.n]"\` with n = ${r.children}, \`concurrency: ${r.concurrency}\`, its step a \`subworkflow\` of the child start → transform \`input.n * input.n\` → end) → end, its output checked to be the ${r.children} squares in order; each child's start goes through run admission. "delay 0 s first": the same with a \`delay\` of 0 s before the map. Workflows: ${r.children} instances of a 3-step chain (\`start\` returns n, \`work\` n × n, \`end\` returns it) created with \`createBatch\` (100 a call, the calls together), every output checked.`,
    `Ended: start request → the end by the engine's own clock (aob: the parent's \`finishedAt\`; Workflows: the last instance's \`end\` step); ms/child divides it by the children. Seen: start request → first poll (every ${CHILDREN_POLL_MS} ms after the last answered, each given ${POLL_TIMEOUT_MS / 1000} s) that sees the parent completed (aob) or every instance ended (Workflows). Last child's end: the same start → the latest child end by the children's own clock (aob: D1 \`finished_at\`; Workflows: when the \`end\` step ran). Child lifetime: aob, D1 \`created_at\` → \`finished_at\`; Workflows, the instance's creation timestamp → its \`end\` step. Each round: a fresh \`wrangler dev\` over the same state, a warm-up of ${WARMUP} children per engine, then every engine, the order reversed every other round.`,
    ...(failures.length > 0 ? [`Failed or refused:\n${failures.join("\n")}`] : []),
  ].join("\n\n");
}
