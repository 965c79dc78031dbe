/**
 * The payload bench (issue 16): one JSON body of 1 KiB, 1 MiB, 10 MiB and 50 MiB through
 * http → transform → end in aob (the transform reads one field: `$length(…body.data)`), against
 * a Cloudflare Workflows instance whose first step fetches and returns the body and whose second
 * returns its length, in the same `wrangler dev`. Per engine and size: wall time, how the run
 * ended (a failed node's code and message, a refused step's error), and the runtime workerd's
 * resident memory growth read from /proc (bench/memory.ts). Rounds interleave the engines and
 * reverse their order every other round; medians are reported.
 */
import { HttpConfig } from "../core/kinds/http";
import {
  AobAttempts,
  type Attempt,
  errorText,
  type Outcome,
  outcomeText,
  workflowsAttempt,
} from "./attempts";
import { type HttpMode, PAYLOAD_SIZE_EXPRESSION, payloadPipeline } from "./definitions";
import { type HeapGrowth, type IsolateHeap, withHeap } from "./heap";
import { type RssGrowth, withRss } from "./memory";
import type { SimulationHeaps } from "./simulations";
import { fmt, markdownTable, median } from "./stats";
import type { TargetServer } from "./target-server";

const KIB = 1024;
const MIB = 1024 * KIB;

/** `1K,1M,10M,50M` (the default) or plain byte counts. */
function parseSizes(raw: string): number[] {
  return raw.split(",").map((s) => {
    const m = s.trim().match(/^(\d+)([KM]?)$/i);
    if (!m) throw new Error(`BENCH_PAYLOAD_SIZES: "${s}" is not a size like 1K, 10M or 2048`);
    const unit = m[2]?.toUpperCase() === "M" ? MIB : m[2]?.toUpperCase() === "K" ? KIB : 1;
    return Number(m[1]) * unit;
  });
}

export const PAYLOAD_SIZES = parseSizes(process.env.BENCH_PAYLOAD_SIZES ?? "1K,1M,10M,50M");
export const PAYLOAD_ROUNDS = Number(process.env.BENCH_PAYLOAD_ROUNDS ?? 3);
export const PAYLOAD_MODES = (process.env.BENCH_PAYLOAD_MODES ?? "inline,queued")
  .split(",")
  .map((m) => m.trim()) as HttpMode[];
/** A run not ended after this long is recorded as failed (`bench_deadline`). */
const RUN_DEADLINE_MS = Number(process.env.BENCH_PAYLOAD_DEADLINE_S ?? 60) * 1000;

/** The largest `maxResponseBytes` an http node accepts today (core/kinds/http.ts). */
export const HTTP_MAX_RESPONSE_BYTES = HttpConfig.shape.maxResponseBytes.unwrap().maxValue ?? 0;

export const sizeLabel = (bytes: number) =>
  bytes >= MIB && bytes % MIB === 0
    ? `${bytes / MIB} MiB`
    : bytes >= KIB && bytes % KIB === 0
      ? `${bytes / KIB} KiB`
      : `${bytes} B`;

export type PayloadEngine = `aob ${HttpMode}` | "Workflows";

export interface PayloadSample {
  engine: PayloadEngine;
  bytes: number;
  round: number;
  wallMs: number;
  outcome: Outcome;
  rss: RssGrowth;
  /** The Worker isolate's heap (bench/heap.ts); null without an inspector. */
  heap: HeapGrowth | null;
  /** Requests the target server answered during the run (1 when the node or step fetched once). */
  requests: number;
  /** Workflows: the length its second step read (bytes − 11 when it completed). */
  length?: number;
}

export interface PayloadResults {
  sizes: number[];
  engines: PayloadEngine[];
  /** maxResponseBytes given to aob's http node per size (capped at HTTP_MAX_RESPONSE_BYTES). */
  maxResponseBytes: Record<number, number>;
  samples: PayloadSample[];
}

export interface PayloadContext {
  base: string;
  key: string;
  target: TargetServer;
  /** wrangler's process group, whose workerd processes' RSS is sampled. */
  serverGroup: number | undefined;
  /** The Worker isolate's heap, sampled beside the RSS. */
  heap: IsolateHeap | null;
  /** The local storage simulations' heaps, sampled beside it. */
  simulations: SimulationHeaps | null;
  log: (line: string) => void;
  signal: AbortSignal;
}

export async function measurePayloads(c: PayloadContext): Promise<PayloadResults> {
  const aob = new AobAttempts(c.base, c.key);
  const engines: PayloadEngine[] = [...PAYLOAD_MODES.map((m) => `aob ${m}` as const), "Workflows"];
  const maxResponseBytes: Record<number, number> = {};
  /** aob's workflow per mode and size, or how its creation was refused. */
  const workflows = new Map<string, { id: string } | Outcome>();
  for (const bytes of PAYLOAD_SIZES) {
    maxResponseBytes[bytes] = Math.min(bytes, HTTP_MAX_RESPONSE_BYTES);
    for (const mode of PAYLOAD_MODES) {
      const def = payloadPipeline(c.target.payloadUrl(bytes), mode, maxResponseBytes[bytes]);
      workflows.set(`${mode} ${bytes}`, await aob.create(def));
    }
  }
  const once = async (engine: PayloadEngine, bytes: number, round: number) => {
    const before = c.target.requests();
    let length: number | undefined;
    async function attempt(): Promise<Attempt> {
      try {
        if (engine === "Workflows") {
          const url = c.target.payloadUrl(bytes);
          const params = { shape: "payload", steps: 2, url } as const;
          const run = await workflowsAttempt(c.base, params, RUN_DEADLINE_MS);
          length = run.output?.length;
          return run;
        }
        const wf = workflows.get(`${engine.slice(4)} ${bytes}`);
        if (!wf || !("id" in wf)) {
          return { outcome: wf ?? { status: "failed", code: "bench", message: "?" }, wallMs: NaN };
        }
        return await aob.run(wf.id, 4, RUN_DEADLINE_MS);
      } catch (err) {
        return {
          outcome: { status: "failed", code: "bench_error", message: errorText(err) },
          wallMs: NaN,
        };
      }
    }
    const measured = await withRss(c.serverGroup, () => withHeap(c.heap, attempt, c.simulations));
    const { value, heap } = measured.value;
    const sample: PayloadSample = {
      engine,
      bytes,
      round,
      wallMs: value.wallMs,
      outcome: value.outcome,
      rss: measured.rss,
      heap,
      requests: c.target.requests() - before,
    };
    if (length !== undefined) sample.length = length;
    return sample;
  };
  // Warm-up: each engine once at the smallest size, not recorded.
  const smallest = Math.min(...PAYLOAD_SIZES);
  for (const engine of engines) await once(engine, smallest, -1);
  const samples: PayloadSample[] = [];
  for (let round = 0; round < PAYLOAD_ROUNDS; round++) {
    for (const bytes of PAYLOAD_SIZES) {
      // Each engine takes each place in turn: a run that follows a large one reuses the memory
      // it freed, so a fixed order (the middle engine always after a large run) biases RSS.
      const order = engines.map((_, i) => engines[(i + round) % engines.length]!);
      for (const engine of order) {
        c.signal.throwIfAborted();
        const s = await once(engine, bytes, round);
        samples.push(s);
        c.log(
          `bench: payload round ${round + 1}/${PAYLOAD_ROUNDS} ${sizeLabel(bytes)} ${engine}: ${fmt(s.wallMs, 0)} ms, runtime RSS +${fmt(s.rss.growth.runtime, 1)} MiB, isolate heap +${fmt(s.heap?.growth ?? Number.NaN, 1)} MiB, ${outcomeText(s.outcome, 100)}`,
        );
      }
    }
  }
  return { sizes: PAYLOAD_SIZES, engines, maxResponseBytes, samples };
}

/** Each distinct outcome with how many runs ended so, most frequent first. */
function outcomes(samples: PayloadSample[]): string {
  const counts = new Map<string, number>();
  for (const s of samples) {
    const text = outcomeText(s.outcome, 220);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([text, n]) => (counts.size > 1 ? `${n}× ${text}` : text))
    .join("; ");
}

const mib = (xs: number[]) => `${fmt(median(xs), 1)} (max ${fmt(Math.max(...xs), 1)})`;

/** The report section: one row per size and engine, then the issue's memory goal. */
export function payloadsReport(r: PayloadResults): string {
  const rows: string[][] = [];
  for (const bytes of r.sizes) {
    for (const engine of r.engines) {
      const xs = r.samples.filter((s) => s.bytes === bytes && s.engine === engine);
      if (xs.length === 0) continue;
      rows.push([
        sizeLabel(bytes),
        engine,
        String(xs.length),
        fmt(median(xs.map((s) => s.wallMs)), 0),
        mib(xs.map((s) => s.rss.growth.runtime)),
        heapCell(xs),
        simulationsCell(xs),
        fmt(median(xs.map((s) => s.rss.growth.proxy)), 1),
        fmt(median(xs.map((s) => s.rss.base.runtime)), 0),
        String(median(xs.map((s) => s.requests))),
        outcomes(xs),
      ]);
    }
  }
  const head = [
    "payload",
    "engine",
    "runs",
    "wall ms",
    "runtime RSS growth MiB median (max)",
    "isolate heap growth MiB median (max)",
    "simulations' heap growth MiB median (max)",
    "proxy RSS growth MiB",
    "runtime RSS before MiB",
    "requests",
    "outcome",
  ];
  const capped = r.sizes.filter((b) => r.maxResponseBytes[b]! < b);
  const notes = [
    `aob: http (\`maxResponseBytes\` = the payload's size${capped.length > 0 ? `, capped at the node's maximum ${HTTP_MAX_RESPONSE_BYTES} for ${capped.map(sizeLabel).join(", ")}` : ""}; \`retry: { maxAttempts: 1 }\`) → transform \`${PAYLOAD_SIZE_EXPRESSION}\` → end. Workflows: step \`fetch\` returns the parsed body, step \`size\` its \`data.length\`; both steps \`retries: { limit: 0 }\`.`,
    "Wall: start request → first poll (every BENCH_POLL_MS) that sees the end. RSS: VmRSS of wrangler's workerd processes every 20 ms, peak minus the value just before the run (runtime: the Worker, its Durable Objects and Workflows; proxy: wrangler's ProxyWorker). Isolate heap: the Worker isolate's used heap plus array buffers (the inspector's `Runtime.getHeapUsage`, bench/heap.ts), peak minus the value after a full collection just before the run; it leaves out workerd's own buffers and the local simulations, and is what the platform's 128 MB limit counts. Simulations' heap: miniflare's R2, D1 and Queues isolates together (bench/simulations.ts), peak minus the value just before the run, not collected. Each engine takes each place in the order in turn. Medians over the rounds.",
  ];
  return [markdownTable(head, rows), ...notes, ...memoryGoal(r)].join("\n\n");
}

/** Issue 16's goal: growth at the largest payload within 2× of the smallest's, per aob mode. */
function memoryGoal(r: PayloadResults): string[] {
  const small = Math.min(...r.sizes);
  const large = Math.max(...r.sizes);
  if (small === large) return [];
  const verdicts = (measure: string, of: (s: PayloadSample) => number | undefined) => {
    const lines = goalLines(r, small, large, of);
    return `Goal (issue 16) by ${measure}: growth at ${sizeLabel(large)} within 2× of the ${sizeLabel(small)} run (a floor of 1 MiB for the small run's growth, which is within sampling noise), the run completing:\n${lines.join("\n")}`;
  };
  const goals = [verdicts("the runtime's RSS", (s) => s.rss.growth.runtime)];
  if (r.samples.some((s) => s.heap))
    goals.push(verdicts("the isolate's heap", (s) => s.heap?.growth));
  return goals;
}

function goalLines(
  r: PayloadResults,
  small: number,
  large: number,
  of: (s: PayloadSample) => number | undefined,
): string[] {
  return r.engines.map((engine) => {
    const growth = (bytes: number) =>
      median(
        r.samples
          .filter((s) => s.engine === engine && s.bytes === bytes)
          .flatMap((s) => of(s) ?? []),
      );
    const [g0, g1] = [growth(small), growth(large)];
    const done = r.samples.some(
      (s) => s.engine === engine && s.bytes === large && s.outcome.status === "completed",
    );
    const verdict = !done
      ? "NOT MET (did not complete)"
      : g1 <= 2 * Math.max(g0, 1)
        ? "MET"
        : "NOT MET";
    return `- ${engine}: ${fmt(g1, 1)} MiB at ${sizeLabel(large)} vs ${fmt(g0, 1)} MiB at ${sizeLabel(small)}: ${verdict}`;
  });
}

function simulationsCell(xs: PayloadSample[]): string {
  const heaps = xs.flatMap((s) => (s.heap?.simulations == null ? [] : [s.heap.simulations]));
  return heaps.length === 0 ? "n/a" : mib(heaps);
}

function heapCell(xs: PayloadSample[]): string {
  const heaps = xs.flatMap((s) => (s.heap ? [s.heap.growth] : []));
  return heaps.length === 0 ? "n/a" : mib(heaps);
}
