/** Out-edges of node i are targets[offsets[i] .. offsets[i+1]). */
export interface Csr {
  offsets: Int32Array;
  targets: Int32Array;
}

export type LevelsFn = (graph: Csr) => Int32Array;

/**
 * Reference implementation of the optimiser's `levels` pass (the WASM module must agree with it):
 * longest-path level from a source over forward edges; -1 for nodes on a cycle.
 * @example
 * levelsReference({ offsets: Int32Array.of(0, 1, 1), targets: Int32Array.of(1) }); // [0, 1]
 */
export function levelsReference({ offsets, targets }: Csr): Int32Array {
  const n = offsets.length - 1;
  const level = new Int32Array(n).fill(-1);
  const indeg = new Int32Array(n);
  for (const t of targets) indeg[t]!++;
  const queue = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) {
    if (indeg[i] === 0) {
      queue[tail++] = i;
      level[i] = 0;
    }
  }
  for (let head = 0; head < tail; head++) {
    const u = queue[head]!;
    const next = level[u]! + 1;
    for (let e = offsets[u]!; e < offsets[u + 1]!; e++) {
      const v = targets[e]!;
      if (level[v]! < next) level[v] = next;
      if (--indeg[v]! === 0) queue[tail++] = v;
    }
  }
  for (let i = 0; i < n; i++) if (indeg[i]! > 0) level[i] = -1;
  return level;
}
