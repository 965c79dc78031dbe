/** An edge as the comparison orders by it: a loop's back edge is left out. */
export interface OrderEdge {
  from: string;
  to: string;
  loop?: unknown;
}

/**
 * Nodes in topological order over forward edges (loop back edges left out); among nodes ready
 * at once, the one with the smaller `rank` first (its start in time, say), then the one listed
 * first. Nodes on a cycle, which a valid graph has none of, come last in list order.
 * O(E + N log N).
 * @example
 * topologicalOrder(["b", "a"], [{ from: "a", to: "b" }]); // ["a", "b"]
 */
export function topologicalOrder(
  ids: readonly string[],
  edges: readonly OrderEdge[],
  rank: (id: string) => number = () => 0,
): string[] {
  const index = new Map(ids.map((id, i) => [id, i]));
  const indegree = new Int32Array(ids.length);
  const out: number[][] = ids.map(() => []);
  const seen = new Set<string>();
  for (const e of edges) {
    if (e.loop) continue;
    const from = index.get(e.from);
    const to = index.get(e.to);
    if (from === undefined || to === undefined || from === to) continue;
    const key = `${from}>${to}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out[from]!.push(to);
    indegree[to]!++;
  }
  const ranks = ids.map((id) => rank(id));
  const before = (x: number, y: number) =>
    ranks[x]! < ranks[y]! || (ranks[x] === ranks[y] && x < y);
  const heap: number[] = [];
  const push = (i: number) => {
    heap.push(i);
    for (let at = heap.length - 1; at > 0; ) {
      const up = (at - 1) >> 1;
      if (!before(heap[at]!, heap[up]!)) break;
      [heap[at], heap[up]] = [heap[up]!, heap[at]!];
      at = up;
    }
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let at = 0; ; ) {
        const l = at * 2 + 1;
        const r = l + 1;
        let least = at;
        if (l < heap.length && before(heap[l]!, heap[least]!)) least = l;
        if (r < heap.length && before(heap[r]!, heap[least]!)) least = r;
        if (least === at) break;
        [heap[at], heap[least]] = [heap[least]!, heap[at]!];
        at = least;
      }
    }
    return top;
  };
  for (let i = 0; i < ids.length; i++) if (indegree[i] === 0) push(i);
  const order: string[] = [];
  const placed = new Uint8Array(ids.length);
  while (heap.length > 0) {
    const i = pop();
    placed[i] = 1;
    order.push(ids[i]!);
    for (const j of out[i]!) if (--indegree[j]! === 0) push(j);
  }
  for (let i = 0; i < ids.length; i++) if (!placed[i]) order.push(ids[i]!);
  return order;
}
