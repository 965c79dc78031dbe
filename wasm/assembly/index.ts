// aob graph optimiser kernels, compiled to WebAssembly by AssemblyScript (--runtime stub, raw
// bindings). Nothing is allocated here: the TypeScript wrapper (wasm/optimiser.ts) lays the
// graph out in linear memory from `base()` and passes byte offsets of each array; the kernels
// read and write there. Each kernel has a TypeScript reference implementation that it must agree
// with exactly (core/optimise/kernels.ts; property-tested in wasm/optimiser.test.ts).
//
// A graph of n nodes and m edges is in CSR form, all i32: the out-edges of node i are
// targets[offsets[i] .. offsets[i+1]).

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

@inline function atf(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

@inline function putf(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

/**
 * Kahn's algorithm: fills `queue` with a topological order and returns its length (fewer than n
 * when the edges contain a cycle; `indeg` then stays > 0 for the nodes on or after a cycle).
 */
function topo(n: i32, m: i32, offsets: usize, targets: usize, indeg: usize, queue: usize): i32 {
  for (let i = 0; i < n; i++) put(indeg, i, 0);
  for (let e = 0; e < m; e++) {
    const t = at(targets, e);
    put(indeg, t, at(indeg, t) + 1);
  }
  let tail = 0;
  for (let i = 0; i < n; i++) {
    if (at(indeg, i) == 0) put(queue, tail++, i);
  }
  let head = 0;
  while (head < tail) {
    const u = at(queue, head++);
    const end = at(offsets, u + 1);
    for (let e = at(offsets, u); e < end; e++) {
      const v = at(targets, e);
      const d = at(indeg, v) - 1;
      put(indeg, v, d);
      if (d == 0) put(queue, tail++, v);
    }
  }
  return tail;
}

/**
 * Parallel levels: longest path (in edges) from a source. Nodes on one level have no path
 * between them and may run together. Returns how many nodes were ordered; the others (on or
 * after a cycle) keep level -1. `queue` receives the topological order.
 */
export function levels(
  n: i32,
  m: i32,
  offsets: usize,
  targets: usize,
  level: usize,
  indeg: usize,
  queue: usize,
): i32 {
  const ordered = topo(n, m, offsets, targets, indeg, queue);
  for (let i = 0; i < n; i++) put(level, i, -1);
  for (let k = 0; k < ordered; k++) {
    const u = at(queue, k);
    if (at(level, u) < 0) put(level, u, 0);
    const next = at(level, u) + 1;
    const end = at(offsets, u + 1);
    for (let e = at(offsets, u); e < end; e++) {
      const v = at(targets, e);
      if (at(level, v) < next) put(level, v, next);
    }
  }
  for (let i = 0; i < n; i++) {
    if (at(indeg, i) > 0) put(level, i, -1);
  }
  return ordered;
}

/**
 * Critical-path analysis over per-node costs (f64): `earliest[v]` = the longest cost-weighted
 * path from a source to v, v excluded (when v may start); `tail[v]` = the longest path from v to
 * a sink, v included (how long the run lasts from v's start). makespan = max(earliest + tail);
 * a node is critical when earliest + tail == makespan. Nodes on or after a cycle get -1 in both.
 */
export function schedule(
  n: i32,
  m: i32,
  offsets: usize,
  targets: usize,
  cost: usize,
  earliest: usize,
  tail: usize,
  indeg: usize,
  queue: usize,
): i32 {
  const ordered = topo(n, m, offsets, targets, indeg, queue);
  for (let i = 0; i < n; i++) {
    putf(earliest, i, 0.0);
    putf(tail, i, 0.0);
  }
  for (let k = 0; k < ordered; k++) {
    const u = at(queue, k);
    const done = atf(earliest, u) + atf(cost, u);
    const end = at(offsets, u + 1);
    for (let e = at(offsets, u); e < end; e++) {
      const v = at(targets, e);
      if (atf(earliest, v) < done) putf(earliest, v, done);
    }
  }
  for (let k = ordered - 1; k >= 0; k--) {
    const u = at(queue, k);
    let longest = 0.0;
    const end = at(offsets, u + 1);
    for (let e = at(offsets, u); e < end; e++) {
      const t = atf(tail, at(targets, e));
      if (t > longest) longest = t;
    }
    putf(tail, u, atf(cost, u) + longest);
  }
  for (let i = 0; i < n; i++) {
    if (at(indeg, i) > 0) {
      putf(earliest, i, -1.0);
      putf(tail, i, -1.0);
    }
  }
  return ordered;
}

/**
 * Reachability: marks (1) every node reachable from the `count` seeds (seeds included), 0 for
 * the rest. Returns how many were marked. `stack` is scratch of n entries.
 */
export function reach(
  n: i32,
  offsets: usize,
  targets: usize,
  seeds: usize,
  count: i32,
  mark: usize,
  stack: usize,
): i32 {
  for (let i = 0; i < n; i++) store<u8>(mark + <usize>i, 0);
  let top = 0;
  let marked = 0;
  for (let s = 0; s < count; s++) {
    const v = at(seeds, s);
    if (load<u8>(mark + <usize>v) == 0) {
      store<u8>(mark + <usize>v, 1);
      marked++;
      put(stack, top++, v);
    }
  }
  while (top > 0) {
    const u = at(stack, --top);
    const end = at(offsets, u + 1);
    for (let e = at(offsets, u); e < end; e++) {
      const v = at(targets, e);
      if (load<u8>(mark + <usize>v) == 0) {
        store<u8>(mark + <usize>v, 1);
        marked++;
        put(stack, top++, v);
      }
    }
  }
  return marked;
}
