// aob graph optimiser, compiled to WebAssembly by AssemblyScript (--runtime stub, raw bindings).
// No allocation happens here: the TypeScript wrapper (wasm/optimiser.ts) lays the graph out in
// linear memory from `base()` as Int32 arrays and calls the passes, which read and write there.
//
// Layout for a graph of n nodes and m forward edges in CSR form, all i32:
//   [0, n+1)            offsets   out-edges of node i are targets[offsets[i] .. offsets[i+1])
//   [n+1, n+1+m)        targets
//   then n              levels    (output) parallel level of each node, -1 if on a cycle
//   then n              indegree  (scratch)
//   then n              queue     (output) a topological order, its first `return` entries valid

export function base(): usize {
  return __heap_base;
}

/** Grows linear memory so that `bytes` bytes from base() are addressable. */
export function ensure(bytes: i32): void {
  const needed = <i32>((__heap_base + <usize>bytes + 0xffff) >>> 16);
  const have = memory.size();
  if (needed > have) memory.grow(needed - have);
}

@inline function at(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline function put(p: usize, i: i32, v: i32): void {
  store<i32>(p + (<usize>i << 2), v);
}

/**
 * Parallel levels (Kahn's algorithm, longest path from a source): nodes on the same level have
 * no path between them and may run together. Returns how many nodes were ordered; fewer than n
 * means the forward edges contain a cycle, and the unordered nodes keep level -1.
 */
export function levels(n: i32, m: i32): i32 {
  const offsets = __heap_base;
  const targets = offsets + (<usize>(n + 1) << 2);
  const level = targets + (<usize>m << 2);
  const indeg = level + (<usize>n << 2);
  const queue = indeg + (<usize>n << 2);
  for (let i = 0; i < n; i++) {
    put(level, i, -1);
    put(indeg, i, 0);
  }
  for (let e = 0; e < m; e++) {
    const t = at(targets, e);
    put(indeg, t, at(indeg, t) + 1);
  }
  let tail = 0;
  for (let i = 0; i < n; i++) {
    if (at(indeg, i) == 0) {
      put(queue, tail++, i);
      put(level, i, 0);
    }
  }
  let head = 0;
  while (head < tail) {
    const u = at(queue, head++);
    const next = at(level, u) + 1;
    const end = at(offsets, u + 1);
    for (let e = at(offsets, u); e < end; e++) {
      const v = at(targets, e);
      if (at(level, v) < next) put(level, v, next);
      const d = at(indeg, v) - 1;
      put(indeg, v, d);
      if (d == 0) put(queue, tail++, v);
    }
  }
  for (let i = 0; i < n; i++) {
    if (at(indeg, i) > 0) put(level, i, -1);
  }
  return tail;
}
