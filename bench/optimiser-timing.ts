/**
 * Optimiser timing (issue 8, point 4), in Node: the same WebAssembly module workerd loads, and
 * the TypeScript reference kernels, on synthetic graphs of 100, 1,000 and 10,000 nodes. Three
 * measurements per size and kernel set:
 * - kernels: one levels, one critical-path and one reachability call on the graph;
 * - optimise: every pass over a compiled (unoptimised) IR;
 * - compile: compile + optimise, what a run start (or a patch) costs.
 * Rounds alternate which implementation goes first. 10,000 nodes is above the definition limit
 * (5,000): that size is compiled without validation, for headroom.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { compile } from "../core/compile/compile";
import { edgeCsr } from "../core/optimise/graph";
import { type GraphKernels, referenceKernels } from "../core/optimise/kernels";
import { optimise } from "../core/optimise/optimise";
import { costOf } from "../core/optimise/schedule";
import type { WorkflowDefinition } from "../core/workflow/definition";
import { ROOT } from "../scripts/lib";
import { createOptimiser } from "../wasm/optimiser";
import { median } from "./stats";

export const SIZES = [100, 1_000, 10_000] as const;

export interface TimingRow {
  nodes: number;
  edges: number;
  what: "kernels" | "optimise" | "compile";
  /** Median ms per call. */
  wasmMs: number;
  tsMs: number;
  rounds: number;
}

/** A deterministic pseudo-random generator (mulberry32), so every run times the same graphs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A workflow of n nodes shaped like real ones: mostly transforms reading an earlier node, some
 * conditions (a third of them constant), GETs (some identical), POSTs, joins and end nodes; each
 * node has one or two parents among the 40 before it.
 */
export function syntheticDefinition(n: number): WorkflowDefinition {
  const random = prng(n);
  const pick = (below: number) => Math.floor(random() * below);
  const nodes: WorkflowDefinition["nodes"] = [
    { id: "start", type: "start", config: {}, join: "all" },
  ];
  const edges: WorkflowDefinition["edges"] = [];
  const kinds: string[] = ["start"];
  for (let i = 1; i < n; i++) {
    const id = `n${i}`;
    const r = random();
    const kind =
      r < 0.55
        ? "transform"
        : r < 0.65
          ? "condition"
          : r < 0.7
            ? "join"
            : r < 0.85
              ? "get"
              : r < 0.9
                ? "post"
                : r < 0.95
                  ? "end"
                  : "transform";
    const parents = new Set([Math.max(0, i - 1 - pick(40))]);
    if (random() < 0.3) parents.add(Math.max(0, i - 1 - pick(40)));
    const first = [...parents][0]!;
    const ref = first === 0 ? "input.a" : `nodes.n${first}.output`;
    for (const p of parents) {
      const edge: WorkflowDefinition["edges"][number] = {
        from: p === 0 ? "start" : `n${p}`,
        to: id,
      };
      if (kinds[p] === "condition") edge.on = random() < 0.5 ? "true" : "false";
      edges.push(edge);
    }
    kinds.push(kind);
    const node = (type: string, config: Record<string, unknown>) =>
      nodes.push({ id, type, config, join: "all" });
    switch (kind) {
      case "transform":
        node("transform", { expression: `$string(${ref}) & '${i}'` });
        break;
      case "condition":
        node("condition", {
          expression: i % 3 === 0 ? `${i % 2} = 1` : `$length($string(${ref})) > ${i % 7}`,
        });
        break;
      case "join":
        node("join", {});
        break;
      case "get":
        node("http", { url: `https://api.example.com/items/{{ input.k${i % 4} }}` });
        break;
      case "post":
        node("http", {
          method: "POST",
          url: "https://hooks.example.com/x",
          body: { v: `{{ ${ref} }}` },
        });
        break;
      case "end":
        node("end", { output: `{{ ${ref} }}` });
        break;
    }
  }
  // Built with every default filled in, not parsed: 10,000 nodes is above the limit on purpose.
  return { name: `synthetic-${n}`, nodes, edges };
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

export async function measureTiming(log: (line: string) => void): Promise<TimingRow[]> {
  const bytes = readFileSync(join(ROOT, "wasm", "build", "optimiser.wasm"));
  const wasm = createOptimiser(await WebAssembly.compile(bytes)).kernels;
  const rows: TimingRow[] = [];
  for (const n of SIZES) {
    const def = syntheticDefinition(n);
    const plain = compile(def, { optimise: false });
    const graph = edgeCsr(plain);
    const cost = Float64Array.from(plain.nodes, (node) => costOf(node));
    const seeds = Int32Array.of(plain.byId[plain.start]!);
    const clone = () => JSON.parse(JSON.stringify(plain)) as typeof plain;
    const work: Record<TimingRow["what"], (k: GraphKernels) => () => void> = {
      kernels: (k) => () => {
        k.levels(graph);
        k.schedule(graph, cost);
        k.reach(graph, seeds);
      },
      optimise: (k) => {
        const ir = clone();
        return () => {
          optimise(ir, { kernels: k });
        };
      },
      compile: (k) => () => {
        compile(def, { kernels: k });
      },
    };
    const rounds = n >= 10_000 ? 7 : n >= 1_000 ? 21 : 51;
    for (const what of ["kernels", "optimise", "compile"] as const) {
      const samples = { wasm: [] as number[], ts: [] as number[] };
      for (let round = -2; round < rounds; round++) {
        const order = round % 2 === 0 ? (["wasm", "ts"] as const) : (["ts", "wasm"] as const);
        for (const which of order) {
          const run = work[what](which === "wasm" ? wasm : referenceKernels);
          const ms = time(run);
          if (round >= 0) samples[which].push(ms);
        }
      }
      const row: TimingRow = {
        nodes: n,
        edges: graph.targets.length,
        what,
        wasmMs: median(samples.wasm),
        tsMs: median(samples.ts),
        rounds,
      };
      rows.push(row);
      log(
        `bench optimiser: ${n} nodes, ${what}: wasm ${row.wasmMs.toFixed(3)} ms, ts ${row.tsMs.toFixed(3)} ms`,
      );
    }
  }
  return rows;
}

export function timingReport(rows: TimingRow[]): string {
  const lines = [
    "| nodes | edges | measured | WASM median (ms) | TypeScript median (ms) | TS / WASM | rounds |",
    "| ----: | ----: | -------- | ---------------: | ---------------------: | --------: | -----: |",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.nodes} | ${r.edges} | ${r.what} | ${r.wasmMs.toFixed(3)} | ${r.tsMs.toFixed(3)} | ${(r.tsMs / r.wasmMs).toFixed(2)} | ${r.rounds} |`,
    );
  }
  return lines.join("\n");
}
