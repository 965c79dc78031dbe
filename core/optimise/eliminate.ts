import type { IRNode } from "../compile/ir";
import type { PassContext } from "./context";
import { isPure, nodeReferences } from "./effects";
import { csrOf } from "./graph";

export const DEAD_REASON = "no side effect, and its output reaches no end node";

/**
 * **Dead-node elimination.** Contract:
 *
 * - A node is live when it has a side effect (effects.ts: anything but transform, condition,
 *   switch and join), is an `end` or the start node, may run again in a loop, or is needed by a
 *   live node: a predecessor (its edges decide whether the live node runs) or a node whose
 *   `output`/`status` the live node's config reads (expressions and templates, references.ts).
 * - Every other node is dead: marked `omit` (pass `eliminate_dead`). At run time it is `skipped`
 *   instead of executed when it would have run; everything downstream of it is dead too, so
 *   nothing live waits for it.
 * - A workflow without an `end` node shows every node's output as its result: nothing is
 *   eliminated. Nor is anything when a live node reads `nodes` as a whole (`$keys(nodes)`), nor
 *   in a workflow with an `agent` node: an agent may patch the running graph with a node that
 *   reads any output, and an eliminated node that already skipped would have none to give.
 * - Nodes already pruned by the absorber neither keep others alive nor are marked again.
 * - Behaviour that changes, on purpose: a dead node is not evaluated, so an expression error in
 *   it no longer fails the run.
 */
export function eliminateDead(ctx: PassContext): void {
  const { ir, kernels, kinds, loops } = ctx;
  const traits = (n: IRNode) => kinds.get(n.type)?.traits;
  if (!ir.nodes.some((n) => traits(n)?.runOutput && !n.omit)) return;
  if (ir.nodes.some((n) => traits(n)?.patchesGraph)) return;
  const pairs: [number, number][] = [];
  const seeds: number[] = [];
  const reads = ir.nodes.map((node) => (node.omit ? null : nodeReferences(node)));
  for (const node of ir.nodes) {
    if (node.omit) continue;
    const live =
      !isPure(node, kinds) || traits(node)?.runOutput || node.id === ir.start || loops.has(node.id);
    if (live) seeds.push(node.index);
    // Dependencies point from a node to what it needs: reachability from the seeds is liveness.
    for (const i of node.in) pairs.push([node.index, ir.byId[ir.edges[i]!.from]!]);
    for (const id of reads[node.index]!.nodes) {
      const target = ir.byId[id];
      if (target !== undefined) pairs.push([node.index, target]);
    }
  }
  const live = kernels.reach(csrOf(ir.nodes.length, pairs), Int32Array.from(seeds));
  const wholesale = ir.nodes.find((n) => live[n.index] === 1 && reads[n.index]?.unknown);
  if (wholesale) return;
  const dead = ir.nodes.filter((n) => live[n.index] === 0 && !n.omit && !loops.has(n.id));
  if (dead.length === 0) return;
  for (const node of dead) node.omit = { pass: "eliminate_dead", reason: DEAD_REASON };
  ctx.record({
    pass: "eliminate_dead",
    nodes: dead.map((n) => n.id),
    reason: `${dead.length} node(s) with ${DEAD_REASON}: skipped instead of run`,
  });
}
