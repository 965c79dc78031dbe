/**
 * TypeScript side of the WebAssembly optimiser: lays a graph out as Int32 arrays in the
 * module's linear memory and calls its passes. Platform-free: the caller supplies the
 * compiled `WebAssembly.Module` (a `.wasm` import in workerd, `WebAssembly.compile` in Node),
 * because workerd refuses to compile bytes at run time.
 */

interface OptimiserExports {
  memory: WebAssembly.Memory;
  base(): number;
  ensure(bytes: number): void;
  levels(n: number, m: number): number;
}

/** A graph in compressed sparse row form: the out-edges of node i are targets[offsets[i]..offsets[i+1]). */
export interface CsrGraph {
  offsets: Int32Array;
  targets: Int32Array;
}

export interface LevelsResult {
  /** Parallel level per node (0 = no predecessor); -1 for nodes on a cycle. */
  levels: Int32Array;
  /** A topological order of the nodes that are not on a cycle. */
  order: Int32Array;
  acyclic: boolean;
}

export interface Optimiser {
  levels(graph: CsrGraph): LevelsResult;
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
  return {
    levels({ offsets, targets }) {
      const n = offsets.length - 1;
      const m = targets.length;
      wasm.ensure((n + 1 + m + 3 * n) * 4);
      const base = wasm.base();
      // Views are taken after ensure(): growing memory detaches older buffers.
      const mem = new Int32Array(wasm.memory.buffer, base, n + 1 + m + 3 * n);
      mem.set(offsets, 0);
      mem.set(targets, n + 1);
      const ordered = wasm.levels(n, m);
      const levelStart = n + 1 + m;
      return {
        levels: mem.slice(levelStart, levelStart + n),
        order: mem.slice(levelStart + 2 * n, levelStart + 2 * n + ordered),
        acyclic: ordered === n,
      };
    },
  };
}
