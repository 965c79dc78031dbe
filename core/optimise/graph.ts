import type { IR, IREdge } from "../compile/ir";
import type { Csr } from "../compile/levels";

/**
 * CSR form of `n` nodes and a list of directed pairs, each source's targets in the given order.
 * @example
 * csrOf(3, [[0, 1], [0, 2]]); // { offsets: [0, 2, 2, 2], targets: [1, 2] }
 */
export function csrOf(n: number, pairs: readonly (readonly [number, number])[]): Csr {
  const offsets = new Int32Array(n + 1);
  for (const [from] of pairs) offsets[from + 1]!++;
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  const fill = offsets.slice(0, n);
  const targets = new Int32Array(pairs.length);
  for (const [from, to] of pairs) targets[fill[from]!++] = to;
  return { offsets, targets };
}

/**
 * The IR's edges as a CSR graph over node indexes, in each node's `out` order; by default the
 * forward edges only (loop edges left out), or those `keep` accepts.
 * @example
 * const graph = edgeCsr(ir); // what `levels` and `schedule` read
 */
export function edgeCsr(
  ir: Pick<IR, "nodes" | "edges" | "byId">,
  keep: (edge: IREdge) => boolean = (e) => e.loop === null,
): Csr {
  const pairs: [number, number][] = [];
  for (const node of ir.nodes) {
    for (const i of node.out) {
      const edge = ir.edges[i]!;
      if (keep(edge)) pairs.push([node.index, ir.byId[edge.to]!]);
    }
  }
  return csrOf(ir.nodes.length, pairs);
}

/**
 * Nodes that a loop may run again: every loop body, its target and its source. The passes that
 * remove or merge work leave them alone (an iteration resets them and activates the target
 * directly, outside the join rule the analyses rely on).
 */
export function loopNodes(ir: Pick<IR, "edges" | "loopBodies">): Set<string> {
  const out = new Set<string>();
  for (const body of Object.values(ir.loopBodies)) for (const id of body) out.add(id);
  for (const e of ir.edges) {
    if (e.loop !== null) {
      out.add(e.from);
      out.add(e.to);
    }
  }
  return out;
}
