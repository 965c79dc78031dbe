import type { IR } from "../compile/ir";
import { freshNode, type RunState } from "../scheduler/state";

const edgeKey = (e: { from: string; to: string; on: string | null }) =>
  `${e.from}\u0000${e.to}\u0000${e.on ?? ""}`;

export interface Rebased {
  /** Edge indexes (in the new IR) that did not exist before. */
  addedEdges: number[];
  /** Nodes that did not exist before. */
  addedNodes: string[];
  /** Nodes whose incoming edges changed or whose step changed: their join is re-evaluated. */
  touched: string[];
}

/**
 * Moves a run's state onto a patched IR, in place: node states stay by id, edge states and loop
 * counts follow their edge by `(from, to, on)` (duplicate edges are invalid, so the key is
 * unique); new nodes and edges start pending.
 */
export function rebaseState(before: IR, after: IR, state: RunState): Rebased {
  const oldEdges = new Map(before.edges.map((e) => [edgeKey(e), e.index]));
  const addedEdges: number[] = [];
  const edges = after.edges.map((e) => {
    const old = oldEdges.get(edgeKey(e));
    if (old === undefined) {
      addedEdges.push(e.index);
      return "pending" as const;
    }
    return state.edges[old] ?? "pending";
  });
  const loopCounts: Record<number, number> = {};
  for (const e of after.edges) {
    const old = oldEdges.get(edgeKey(e));
    const count = old === undefined ? undefined : state.loopCounts[old];
    if (count !== undefined) loopCounts[e.index] = count;
  }
  const addedNodes: string[] = [];
  for (const n of after.nodes) {
    if (!state.nodes[n.id]) {
      state.nodes[n.id] = freshNode(0, 0);
      addedNodes.push(n.id);
    }
  }
  const touched = new Set<string>(addedNodes);
  const newKeys = new Set(after.edges.map(edgeKey));
  for (const e of before.edges) if (!newKeys.has(edgeKey(e))) touched.add(e.to);
  for (const i of addedEdges) touched.add(after.edges[i]!.to);
  for (const n of after.nodes) {
    const was = before.nodes[before.byId[n.id] ?? -1];
    if (
      was &&
      JSON.stringify([was.type, was.config, was.retry, was.timeoutMs, was.expressionTimeoutMs]) !==
        JSON.stringify([n.type, n.config, n.retry, n.timeoutMs, n.expressionTimeoutMs])
    ) {
      touched.add(n.id);
    }
  }
  state.edges = edges;
  state.loopCounts = loopCounts;
  return { addedEdges, addedNodes, touched: [...touched] };
}
