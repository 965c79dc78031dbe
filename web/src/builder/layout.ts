/** Horizontal distance between levels and vertical distance between nodes of a level. */
export const LEVEL_GAP = 250;
export const ROW_GAP = 120;

export interface LayoutEdge {
  from: string;
  to: string;
  /** Back edges are ignored: they would make the levels cyclic. */
  loop?: unknown;
}

/**
 * A layered layout, left to right: a node's level is its longest distance from a source over
 * forward edges; within a level nodes are ordered by the mean row of their predecessors, so
 * branches stay apart and edges cross little. Nodes on a cycle without a back-edge mark (an
 * invalid graph) go one level past the rest.
 * @example
 * layeredLayout(["a", "b"], [{ from: "a", to: "b" }]) // { a: { x: 0, y: 0 }, b: { x: 250, y: 0 } }
 */
export function layeredLayout(
  ids: readonly string[],
  edges: readonly LayoutEdge[],
): Record<string, { x: number; y: number }> {
  const known = new Set(ids);
  const forward = edges.filter((e) => !e.loop && known.has(e.from) && known.has(e.to));
  const indegree = new Map(ids.map((id) => [id, 0]));
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of forward) {
    indegree.set(e.to, (indegree.get(e.to) ?? 0) + 1);
    out.get(e.from)!.push(e.to);
    preds.get(e.to)!.push(e.from);
  }
  const level = new Map<string, number>();
  const queue = ids.filter((id) => indegree.get(id) === 0);
  for (const id of queue) level.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const next of out.get(id)!) {
      level.set(next, Math.max(level.get(next) ?? 0, level.get(id)! + 1));
      const left = indegree.get(next)! - 1;
      indegree.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  const deepest = Math.max(-1, ...level.values());
  for (const id of ids) if (!level.has(id)) level.set(id, deepest + 1);

  const byLevel = new Map<number, string[]>();
  for (const id of ids) {
    const l = level.get(id)!;
    if (!byLevel.has(l)) byLevel.set(l, []);
    byLevel.get(l)!.push(id);
  }
  const row = new Map<string, number>();
  const positions: Record<string, { x: number; y: number }> = {};
  for (const l of [...byLevel.keys()].sort((a, b) => a - b)) {
    const members = byLevel.get(l)!;
    const order = new Map(members.map((id, i) => [id, i]));
    const score = (id: string) => {
      const rows = preds
        .get(id)!
        .map((p) => row.get(p))
        .filter((r): r is number => r !== undefined);
      return rows.length === 0 ? order.get(id)! : rows.reduce((a, b) => a + b, 0) / rows.length;
    };
    const sorted = [...members].sort(
      (a, b) => score(a) - score(b) || order.get(a)! - order.get(b)!,
    );
    sorted.forEach((id, i) => {
      const r = i - (sorted.length - 1) / 2;
      row.set(id, r);
      positions[id] = { x: l * LEVEL_GAP, y: Math.round(r * ROW_GAP) };
    });
  }
  return positions;
}
