/** Horizontal distance between levels and vertical distance between nodes of a level. */
export const LEVEL_GAP = 250;
export const ROW_GAP = 120;
/**
 * A level of more nodes than this (a wide fan-out) wraps into columns `COLUMN_GAP` apart, about
 * as many as it has rows, instead of one column thousands of rows tall.
 */
export const WRAP_AT = 40;
export const COLUMN_GAP = 210;

export interface LayoutEdge {
  from: string;
  to: string;
  /** Back edges are ignored: they would make the levels cyclic. */
  loop?: unknown;
}

/**
 * A layered layout, left to right: a node's level is its longest distance from a source over
 * forward edges; within a level nodes are ordered by the mean row of their predecessors, so
 * branches stay apart and edges cross little. A level of more than `WRAP_AT` nodes wraps into
 * columns. Nodes on a cycle without a back-edge mark (an invalid graph) go one level past the
 * rest. Time O(E + N log N): fit for 25,000 nodes.
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
  let deepest = -1;
  for (const l of level.values()) deepest = Math.max(deepest, l);
  for (const id of ids) if (!level.has(id)) level.set(id, deepest + 1);

  const byLevel = new Map<number, string[]>();
  for (const id of ids) {
    const l = level.get(id)!;
    if (!byLevel.has(l)) byLevel.set(l, []);
    byLevel.get(l)!.push(id);
  }
  const row = new Map<string, number>();
  const positions: Record<string, { x: number; y: number }> = {};
  let x = 0;
  for (const l of [...byLevel.keys()].sort((a, b) => a - b)) {
    const members = byLevel.get(l)!;
    // Each node's score once, not once per comparison.
    const keyed = members.map((id, i) => {
      let sum = 0;
      let n = 0;
      for (const p of preds.get(id)!) {
        const r = row.get(p);
        if (r === undefined) continue;
        sum += r;
        n += 1;
      }
      return { id, i, score: n === 0 ? i : sum / n };
    });
    keyed.sort((a, b) => a.score - b.score || a.i - b.i);
    const rows =
      keyed.length > WRAP_AT ? Math.max(WRAP_AT, Math.ceil(Math.sqrt(keyed.length))) : keyed.length;
    const columns = Math.ceil(keyed.length / Math.max(rows, 1));
    keyed.forEach(({ id }, i) => {
      const column = Math.floor(i / rows);
      const inColumn = column < columns - 1 ? rows : keyed.length - column * rows;
      const r = (i % rows) - (inColumn - 1) / 2;
      row.set(id, r);
      positions[id] = { x: x + column * COLUMN_GAP, y: Math.round(r * ROW_GAP) };
    });
    x += (columns - 1) * COLUMN_GAP + LEVEL_GAP;
  }
  return positions;
}
