/**
 * Each optimiser pass's effect on a sample workflow (issue 8, point 4), in the real engine under
 * `wrangler dev`: samples/optimiser-showcase.json is compiled with no pass, with each pass
 * alone, and with all of them (bench route `POST /bench/optimiser-run`), then run twice with the
 * same input: cold, and warm (what the semantic cache changes). For each run: the requests that
 * reached the bench's server, the nodes skipped, the events, and the wall time from the run's
 * creation to its end as the RunObject records them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { PassName } from "../core/compile/ir";
import { PASSES } from "../core/optimise/optimise";
import { ROOT } from "../scripts/lib";
import { transformChain } from "./definitions";
import { median } from "./stats";
import type { TargetServer } from "./target-server";

export const EFFECT_ROUNDS = Number(process.env.BENCH_OPTIMISER_ROUNDS ?? 5);

export interface EffectConfig {
  label: string;
  /** null: compiled without the optimiser. */
  passes: PassName[] | null;
}

export const EFFECT_CONFIGS: EffectConfig[] = [
  { label: "no optimiser", passes: null },
  ...PASSES.map((p) => ({ label: `${p} only`, passes: [p] })),
  { label: "all passes", passes: [...PASSES] },
];

export interface EffectSample {
  workload: "showcase" | "chain";
  config: string;
  phase: "cold" | "warm";
  wallMs: number;
  requests: number;
  skipped: number;
  events: number;
}

interface RunView {
  status: string;
  createdAt: number;
  finishedAt?: number;
  nodes: { status: string }[];
  lastSeq: number;
}

export interface EffectsContext {
  base: string;
  key: string;
  target: TargetServer;
  log: (line: string) => void;
  signal: AbortSignal;
}

async function json<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function runOnce(
  c: EffectsContext,
  definition: unknown,
  passes: PassName[] | null,
  input: unknown,
): Promise<Omit<EffectSample, "workload" | "config" | "phase">> {
  const before = c.target.requests();
  const { runId } = await json<{ runId: string }>(`${c.base}/bench/optimiser-run`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ definition, passes, input }),
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const view = await json<RunView>(`${c.base}/api/runs/${runId}`, {
      headers: { authorization: `Bearer ${c.key}` },
    });
    if (view.status === "completed") {
      return {
        wallMs: (view.finishedAt ?? Number.NaN) - view.createdAt,
        requests: c.target.requests() - before,
        skipped: view.nodes.filter((n) => n.status === "skipped").length,
        events: view.lastSeq,
      };
    }
    if (view.status === "failed" || view.status === "cancelled") {
      throw new Error(`run ${runId} ended ${view.status}`);
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} timed out`);
    await sleep(10, undefined, { signal: c.signal });
  }
}

export async function measureEffects(c: EffectsContext): Promise<EffectSample[]> {
  const definition = JSON.parse(
    readFileSync(join(ROOT, "samples", "optimiser-showcase.json"), "utf8"),
  ) as unknown;
  const samples: EffectSample[] = [];
  for (let round = -1; round < EFFECT_ROUNDS; round++) {
    c.log(
      `bench optimiser: effects round ${round + 2}/${EFFECT_ROUNDS + 1}${round < 0 ? " (warm-up)" : ""}`,
    );
    const configs = round % 2 === 0 ? [...EFFECT_CONFIGS].reverse() : EFFECT_CONFIGS;
    for (const config of configs) {
      // A fresh `round` per configuration and round: the cached GET's URL is new, so the first
      // run is cold, and the second, with the same input, may reuse it.
      const input = {
        baseUrl: c.target.url,
        user: "ada",
        round: `${round}-${config.label.replaceAll(" ", "_")}-${Date.now()}`,
      };
      for (const phase of ["cold", "warm"] as const) {
        const s = await runOnce(c, definition, config.passes, input);
        if (round >= 0) samples.push({ workload: "showcase", config: config.label, phase, ...s });
      }
    }
    // Fusion's effect where it is largest: the 1,000-transform chain of the comparison bench.
    for (const config of round % 2 === 0 ? [...CHAIN_CONFIGS].reverse() : CHAIN_CONFIGS) {
      const s = await runOnce(c, chain, config.passes, null);
      if (round >= 0)
        samples.push({ workload: "chain", config: config.label, phase: "cold", ...s });
    }
  }
  return samples;
}

export const CHAIN_LENGTH = 1000;
const chain = transformChain(CHAIN_LENGTH);
const CHAIN_CONFIGS: EffectConfig[] = [
  { label: "no optimiser", passes: null },
  { label: "fuse_transforms only", passes: ["fuse_transforms"] },
];

export function chainReport(samples: EffectSample[]): string {
  const lines = [
    `| chain of ${CHAIN_LENGTH} transforms | events | wall (ms, median) | ms per node |`,
    "| ------------------------ | -----: | ----------------: | ----------: |",
  ];
  for (const config of CHAIN_CONFIGS) {
    const runs = samples.filter((s) => s.workload === "chain" && s.config === config.label);
    if (runs.length === 0) continue;
    const wall = median(runs.map((s) => s.wallMs));
    lines.push(
      `| ${config.label} | ${median(runs.map((s) => s.events))} | ${wall.toFixed(0)} | ${(wall / CHAIN_LENGTH).toFixed(3)} |`,
    );
  }
  return lines.join("\n");
}

export function effectsReport(samples: EffectSample[]): string {
  const lines = [
    "| configuration | requests cold | requests warm | skipped nodes | events | wall cold (ms, median) | wall warm (ms, median) |",
    "| ------------- | ------------: | ------------: | ------------: | -----: | ---------------------: | ---------------------: |",
  ];
  for (const config of EFFECT_CONFIGS) {
    const of = (phase: "cold" | "warm") =>
      samples.filter(
        (s) => s.workload === "showcase" && s.config === config.label && s.phase === phase,
      );
    const cold = of("cold");
    const warm = of("warm");
    if (cold.length === 0) continue;
    const m = (xs: EffectSample[], f: (s: EffectSample) => number) => median(xs.map(f));
    lines.push(
      `| ${config.label} | ${m(cold, (s) => s.requests)} | ${m(warm, (s) => s.requests)} | ${m(cold, (s) => s.skipped)} | ${m(cold, (s) => s.events)} | ${m(cold, (s) => s.wallMs).toFixed(0)} | ${m(warm, (s) => s.wallMs).toFixed(0)} |`,
    );
  }
  return lines.join("\n");
}
