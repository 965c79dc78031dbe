/**
 * The largest payload run again and again (issue 16, bounded memory): after each run the
 * Worker's garbage is collected and its live heap read, beside the local storage simulations'
 * heap (bench/simulations.ts) and the runtime's RSS before the run. A run that left any of its
 * payload behind in the Worker would grow the live heap run by run; the RSS shows what the
 * runtime keeps besides (the local R2 simulation's garbage between its collections, memory
 * freed but kept).
 */
import { AobAttempts } from "./attempts";
import { type HttpMode, payloadPipeline } from "./definitions";
import { readRuntimeRss } from "./memory";
import type { PayloadContext } from "./payloads";
import { fmt, markdownTable, median } from "./stats";

export const PAYLOAD_REPEATS = Number(process.env.BENCH_PAYLOAD_REPEATS ?? 10);

export interface RepeatSample {
  mode: HttpMode;
  run: number;
  completed: boolean;
  wallMs: number;
  /** The runtime's RSS just before the run, MiB. */
  rssBefore: number;
  /** The Worker's heap after the run and a full collection, MiB (null without an inspector). */
  liveHeap: number | null;
  /** The simulations' heap after the run, uncollected, MiB. */
  simulations: number | null;
}

export async function measureRepeats(
  c: PayloadContext,
  bytes: number,
  modes: HttpMode[],
): Promise<RepeatSample[]> {
  const aob = new AobAttempts(c.base, c.key);
  const samples: RepeatSample[] = [];
  for (const mode of modes) {
    const wf = await aob.create(payloadPipeline(c.target.payloadUrl(bytes), mode, bytes));
    if (!("id" in wf)) throw new Error(`bench: the ${mode} payload workflow was refused`);
    for (let run = 0; run < PAYLOAD_REPEATS; run++) {
      c.signal.throwIfAborted();
      const rssBefore = readRuntimeRss(c.serverGroup);
      const attempt = await aob.run(wf.id, 4, 60_000);
      await c.heap?.collect();
      const s: RepeatSample = {
        mode,
        run,
        completed: attempt.outcome.status === "completed",
        wallMs: attempt.wallMs,
        rssBefore,
        liveHeap: (await c.heap?.mib()) ?? null,
        simulations: (await c.simulations?.mib()) ?? null,
      };
      samples.push(s);
      c.log(
        `bench: payload repeat ${run + 1}/${PAYLOAD_REPEATS} aob ${mode}: ${fmt(s.wallMs, 0)} ms, RSS before ${fmt(rssBefore, 1)} MiB, live heap after ${fmt(s.liveHeap ?? Number.NaN, 1)} MiB, simulations ${fmt(s.simulations ?? Number.NaN, 1)} MiB`,
      );
    }
  }
  return samples;
}

export function repeatsReport(samples: RepeatSample[]): string {
  const rows = [...new Set(samples.map((s) => s.mode))].map((mode) => {
    const xs = samples.filter((s) => s.mode === mode);
    const first = xs[0]!;
    const last = xs.at(-1)!;
    const live = xs.flatMap((s) => (s.liveHeap === null ? [] : [s.liveHeap]));
    const sims = xs.flatMap((s) => (s.simulations === null ? [] : [s.simulations]));
    const range = (v: number[]) =>
      v.length === 0 ? "n/a" : `${fmt(Math.min(...v), 1)}-${fmt(Math.max(...v), 1)}`;
    return [
      `aob ${mode}`,
      `${xs.filter((s) => s.completed).length}/${xs.length}`,
      fmt(median(xs.map((s) => s.wallMs)), 0),
      live.length === 0 ? "n/a" : `${fmt(live[0]!, 1)} → ${fmt(live.at(-1)!, 1)}`,
      range(sims),
      `${fmt(first.rssBefore, 0)} → ${fmt(last.rssBefore, 0)}`,
    ];
  });
  const head = [
    "engine",
    "completed",
    "wall ms median",
    "Worker live heap after run 1 → after the last, MiB",
    "simulations' heap after each run, MiB",
    "runtime RSS before run 1 → before the last, MiB",
  ];
  return [
    markdownTable(head, rows),
    "Live heap: the Worker isolate's used heap plus array buffers after a full collection (bench/heap.ts). Simulations: miniflare's local R2, D1 and Queues isolates, not collected (bench/simulations.ts).",
  ].join("\n\n");
}
