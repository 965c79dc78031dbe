import { type Csr, levelsReference } from "../compile/levels";

/** Critical-path figures per node (see {@link GraphKernels.schedule}). */
export interface ScheduleResult {
  /** Longest cost-weighted path from a source to the node, the node excluded; -1 on a cycle. */
  earliest: Float64Array;
  /** Longest path from the node to a sink, the node included; -1 on a cycle. */
  tail: Float64Array;
}

/**
 * The graph kernels the optimiser's passes call. Two implementations must agree exactly: the
 * WebAssembly module (wasm/optimiser.ts, used in workerd) and the TypeScript reference below
 * (the default, and the oracle of the property tests).
 */
export interface GraphKernels {
  readonly name: "wasm" | "typescript";
  /** Parallel level per node (longest path in edges from a source); -1 on or after a cycle. */
  levels(graph: Csr): Int32Array;
  /** Earliest start and tail of every node for per-node costs. */
  schedule(graph: Csr, cost: Float64Array): ScheduleResult;
  /** 1 for every node reachable from a seed (seeds included), else 0. */
  reach(graph: Csr, seeds: Int32Array): Uint8Array;
}

/** Kahn's algorithm: a topological order, and in-degrees left > 0 on or after a cycle. */
function topo({ offsets, targets }: Csr): { order: Int32Array; size: number; indeg: Int32Array } {
  const n = offsets.length - 1;
  const indeg = new Int32Array(n);
  for (const t of targets) indeg[t]!++;
  const order = new Int32Array(n);
  let size = 0;
  for (let i = 0; i < n; i++) if (indeg[i] === 0) order[size++] = i;
  for (let head = 0; head < size; head++) {
    const u = order[head]!;
    for (let e = offsets[u]!; e < offsets[u + 1]!; e++) {
      const v = targets[e]!;
      if (--indeg[v]! === 0) order[size++] = v;
    }
  }
  return { order, size, indeg };
}

/**
 * @example
 * scheduleReference({ offsets: Int32Array.of(0, 1, 1), targets: Int32Array.of(1) }, Float64Array.of(2, 3));
 * // { earliest: [0, 2], tail: [5, 3] }
 */
export function scheduleReference(graph: Csr, cost: Float64Array): ScheduleResult {
  const { offsets, targets } = graph;
  const n = offsets.length - 1;
  const { order, size, indeg } = topo(graph);
  const earliest = new Float64Array(n);
  const tail = new Float64Array(n);
  for (let k = 0; k < size; k++) {
    const u = order[k]!;
    const done = earliest[u]! + cost[u]!;
    for (let e = offsets[u]!; e < offsets[u + 1]!; e++) {
      const v = targets[e]!;
      if (earliest[v]! < done) earliest[v] = done;
    }
  }
  for (let k = size - 1; k >= 0; k--) {
    const u = order[k]!;
    let longest = 0;
    for (let e = offsets[u]!; e < offsets[u + 1]!; e++) {
      const t = tail[targets[e]!]!;
      if (t > longest) longest = t;
    }
    tail[u] = cost[u]! + longest;
  }
  for (let i = 0; i < n; i++) {
    if (indeg[i]! > 0) {
      earliest[i] = -1;
      tail[i] = -1;
    }
  }
  return { earliest, tail };
}

/**
 * @example
 * reachReference({ offsets: Int32Array.of(0, 1, 1, 1), targets: Int32Array.of(1) }, Int32Array.of(0)); // [1, 1, 0]
 */
export function reachReference({ offsets, targets }: Csr, seeds: Int32Array): Uint8Array {
  const n = offsets.length - 1;
  const mark = new Uint8Array(n);
  const stack: number[] = [];
  for (const s of seeds) {
    if (mark[s] === 0) {
      mark[s] = 1;
      stack.push(s);
    }
  }
  while (stack.length > 0) {
    const u = stack.pop()!;
    for (let e = offsets[u]!; e < offsets[u + 1]!; e++) {
      const v = targets[e]!;
      if (mark[v] === 0) {
        mark[v] = 1;
        stack.push(v);
      }
    }
  }
  return mark;
}

/** The TypeScript reference kernels: the default outside workerd, and the tests' oracle. */
export const referenceKernels: GraphKernels = {
  name: "typescript",
  levels: levelsReference,
  schedule: scheduleReference,
  reach: reachReference,
};
