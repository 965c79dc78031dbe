import type { IRNode } from "../compile/ir";
import { nodeOf, type PassContext } from "./context";

/**
 * **Transform fusion.** Contract:
 *
 * - A chain of `transform` nodes T1 → T2 → … → Tk, where each Ti+1 has exactly one in-edge, a
 *   plain success edge from Ti, becomes one inline step: T1 (the head) carries
 *   `fused: [T2 … Tk]`, each follower `fusedInto: T1`. A node has at most one follower (its
 *   first eligible out-edge); other out-edges of a chain node work as before.
 * - At run time the head evaluates the whole chain at once (core/executors/fused.ts) and the
 *   scheduler applies the results in the same step: one storage transaction instead of k. Each
 *   node still gets its own `node_started` / `node_succeeded` events and its own recorded
 *   output, so downstream `nodes.Ti.output` reads are unchanged. A follower's failure fails that
 *   node (its `error` edge routes as usual) and stops the chain there.
 * - A follower evaluates against the context as of the head's execution plus the chain's own
 *   outputs. That equals the unfused context for everything a follower can read reliably (its
 *   ancestors are the head's ancestors and the chain); reads of unrelated running branches
 *   were timing-dependent before and still are.
 * - Left alone: omitted nodes, nodes a loop may run again, transforms with a semantic cache
 *   (their lookup is I/O), unknown kinds.
 */
export function fuseTransforms(ctx: PassContext): void {
  const { ir, kinds, loops } = ctx;
  const fusable = (node: IRNode) =>
    node.mode === "inline" &&
    !node.omit &&
    !loops.has(node.id) &&
    kinds.get(node.type)?.traits.fusable?.(node.config) === true;

  const next = new Map<string, string>();
  const taken = new Set<string>();
  for (const node of ir.nodes) {
    if (!fusable(node)) continue;
    for (const i of node.out) {
      const edge = ir.edges[i]!;
      if (edge.loop !== null || edge.on !== null) continue;
      const target = nodeOf(ir, edge.to);
      if (!fusable(target) || target.in.length !== 1 || taken.has(target.id)) continue;
      next.set(node.id, target.id);
      taken.add(target.id);
      break;
    }
  }
  for (const node of ir.nodes) {
    if (!next.has(node.id) || taken.has(node.id)) continue;
    const chain: string[] = [];
    for (let id = next.get(node.id); id !== undefined; id = next.get(id)) chain.push(id);
    node.fused = chain;
    for (const id of chain) nodeOf(ir, id).fusedInto = node.id;
    ctx.record({
      pass: "fuse_transforms",
      nodes: [node.id, ...chain],
      reason: `${chain.length + 1} transforms in a chain run as one inline step, each output still recorded`,
    });
  }
}
