/**
 * TypeScript side of the WebAssembly optimiser: lays a graph out as typed arrays in the module's
 * linear memory and calls its kernels. Platform-free: the caller supplies the compiled
 * `WebAssembly.Module` (a `.wasm` import in workerd, `WebAssembly.compile` in Node), because
 * workerd refuses to compile bytes at run time.
 */
import type { Csr } from "../core/compile/levels";
import type { GraphKernels, ScheduleResult } from "../core/optimise/kernels";

interface OptimiserExports {
  memory: WebAssembly.Memory;
  base(): number;
  ensure(bytes: number): void;
  levels(
    n: number,
    m: number,
    offsets: number,
    targets: number,
    level: number,
    indeg: number,
    queue: number,
  ): number;
  schedule(
    n: number,
    m: number,
    offsets: number,
    targets: number,
    cost: number,
    earliest: number,
    tail: number,
    indeg: number,
    queue: number,
  ): number;
  reach(
    n: number,
    offsets: number,
    targets: number,
    seeds: number,
    count: number,
    mark: number,
    stack: number,
  ): number;
}

/** A graph in compressed sparse row form: the out-edges of node i are targets[offsets[i]..offsets[i+1]). */
export type CsrGraph = Csr;

export interface LevelsResult {
  /** Parallel level per node (0 = no predecessor); -1 for nodes on a cycle. */
  levels: Int32Array;
  /** A topological order of the nodes that are not on a cycle. */
  order: Int32Array;
  acyclic: boolean;
}

export interface Optimiser {
  levels(graph: CsrGraph): LevelsResult;
  /** The kernels, shaped for the optimiser's passes (core/optimise). */
  kernels: GraphKernels;
}

/**
 * Regions of linear memory, each 8-byte aligned, laid out one after the other from base().
 * `ensure` grows memory first; views are taken afterwards (growing detaches older buffers).
 */
function layout(
  wasm: OptimiserExports,
  bytes: number[],
): { offsets: number[]; buffer: ArrayBuffer } {
  const offsets: number[] = [];
  let total = 0;
  for (const b of bytes) {
    offsets.push(total);
    total += (b + 7) & ~7;
  }
  wasm.ensure(total);
  const base = wasm.base();
  return { offsets: offsets.map((o) => base + o), buffer: wasm.memory.buffer };
}

/**
 * @example
 * const optimiser = createOptimiser(wasmModule);
 * optimiser.levels({ offsets: Int32Array.of(0, 1, 1), targets: Int32Array.of(1) }).levels; // [0, 1]
 */
export function createOptimiser(module: WebAssembly.Module): Optimiser {
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort() {
        throw new Error("wasm optimiser aborted");
      },
    },
  });
  const wasm = instance.exports as unknown as OptimiserExports;

  const levels = ({ offsets, targets }: CsrGraph): LevelsResult => {
    const n = offsets.length - 1;
    const m = targets.length;
    const { offsets: at, buffer } = layout(wasm, [4 * (n + 1), 4 * m, 4 * n, 4 * n, 4 * n]);
    const [pOff, pTgt, pLevel, pIndeg, pQueue] = at as [number, number, number, number, number];
    new Int32Array(buffer, pOff, n + 1).set(offsets);
    new Int32Array(buffer, pTgt, m).set(targets);
    const ordered = wasm.levels(n, m, pOff, pTgt, pLevel, pIndeg, pQueue);
    return {
      levels: new Int32Array(wasm.memory.buffer, pLevel, n).slice(),
      order: new Int32Array(wasm.memory.buffer, pQueue, ordered).slice(),
      acyclic: ordered === n,
    };
  };

  const schedule = ({ offsets, targets }: CsrGraph, cost: Float64Array): ScheduleResult => {
    const n = offsets.length - 1;
    const m = targets.length;
    const { offsets: at, buffer } = layout(wasm, [
      8 * n,
      8 * n,
      8 * n,
      4 * (n + 1),
      4 * m,
      4 * n,
      4 * n,
    ]);
    const [pCost, pEarliest, pTail, pOff, pTgt, pIndeg, pQueue] = at as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    new Float64Array(buffer, pCost, n).set(cost);
    new Int32Array(buffer, pOff, n + 1).set(offsets);
    new Int32Array(buffer, pTgt, m).set(targets);
    wasm.schedule(n, m, pOff, pTgt, pCost, pEarliest, pTail, pIndeg, pQueue);
    return {
      earliest: new Float64Array(wasm.memory.buffer, pEarliest, n).slice(),
      tail: new Float64Array(wasm.memory.buffer, pTail, n).slice(),
    };
  };

  const reach = ({ offsets, targets }: CsrGraph, seeds: Int32Array): Uint8Array => {
    const n = offsets.length - 1;
    const m = targets.length;
    const { offsets: at, buffer } = layout(wasm, [4 * (n + 1), 4 * m, 4 * seeds.length, 4 * n, n]);
    const [pOff, pTgt, pSeeds, pStack, pMark] = at as [number, number, number, number, number];
    new Int32Array(buffer, pOff, n + 1).set(offsets);
    new Int32Array(buffer, pTgt, m).set(targets);
    new Int32Array(buffer, pSeeds, seeds.length).set(seeds);
    wasm.reach(n, pOff, pTgt, pSeeds, seeds.length, pMark, pStack);
    return new Uint8Array(wasm.memory.buffer, pMark, n).slice();
  };

  return {
    levels,
    kernels: {
      name: "wasm",
      levels: (graph) => levels(graph).levels,
      schedule,
      reach,
    },
  };
}
