import type { IR } from "./ir";

/**
 * Every node with a forward path to `nodeId` (loop edges ignored), not including it: what a
 * replay from `nodeId` may reuse.
 * @example
 * ancestors(ir, "summary"); // Set { "start", "fetch" }
 */
export function ancestors(ir: IR, nodeId: string): Set<string> {
  const seen = new Set<string>();
  const todo = [nodeId];
  while (todo.length > 0) {
    const node = ir.nodes[ir.byId[todo.pop()!]!]!;
    for (const i of node.in) {
      const edge = ir.edges[i]!;
      if (edge.loop !== null || seen.has(edge.from)) continue;
      seen.add(edge.from);
      todo.push(edge.from);
    }
  }
  seen.delete(nodeId);
  return seen;
}
