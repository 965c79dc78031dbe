import type { IR, IRNode, IRStep } from "../compile/ir";
import { COST_MS } from "../kinds/cost";
import { KINDS, type KindRegistry } from "../kinds/registry";
import type { PassContext } from "./context";
import { edgeCsr } from "./graph";

export { COST_MS };

/** Estimated duration of one node under the cost model: its kind's `costMs`, pure by default. */
export function costOf(node: IRNode, kinds: KindRegistry = KINDS): number {
  if (node.omit || node.fusedInto !== undefined || node.mode === "skip") return 0;
  const hop = node.mode === "queued" ? COST_MS.queueHop : 0;
  const kind = kinds.get(node.type);
  // A map costs what one item's step costs.
  if (kind?.traits.fanOut) return (node.body ? stepCost(node.body, kinds) : COST_MS.pure) + hop;
  if (kind?.traits.costMs) return kind.traits.costMs(node.config) + hop;
  return COST_MS.pure * (1 + (node.fused?.length ?? 0)) + hop;
}

function stepCost(step: IRStep, kinds: KindRegistry): number {
  return kinds.get(step.type)?.traits.costMs?.(step.config) ?? COST_MS.pure;
}

// `|| 0` turns -0 (a rounding of a tiny negative slack) into 0, so the IR survives JSON.
const round = (ms: number) => Math.round(ms * 100) / 100 || 0;

/**
 * **Parallel levels and critical path.** Contract:
 *
 * - Levels (computed by the compiler with the same kernels): nodes on one level have no forward
 *   path between them, so they can run together; `ir.plan` gives the number of levels and the
 *   widest.
 * - Under the cost model ({@link costOf}; omitted and fused-away nodes cost 0) every node gets
 *   `plan: { earliestMs, slackMs }`: when it can start at the earliest, and how much it can slip
 *   without delaying the run. Slack 0 = on the critical path; `ir.plan.criticalPath` lists one
 *   such path from start, and `makespanMs` its length.
 * - Dispatch order: each node's forward out-edges are reordered by the longest remaining path of
 *   their target (ties keep the definition's order), so when a node finishes, the scheduler
 *   activates (and the RunObject dispatches) critical successors first. Loop edges keep their
 *   places. Only the order of `out` changes: edge indexes, ports and results do not.
 * - Records one rewrite for the critical path and one for the reordered nodes.
 */
export function schedule(ctx: PassContext): void {
  const { ir, kernels, kinds } = ctx;
  const graph = edgeCsr(ir);
  const cost = Float64Array.from(ir.nodes, (node) => costOf(node, kinds));
  const { earliest, tail } = kernels.schedule(graph, cost);
  let makespan = 0;
  for (const node of ir.nodes) {
    const end = earliest[node.index]! + tail[node.index]!;
    if (end > makespan) makespan = end;
  }
  for (const node of ir.nodes) {
    const e = earliest[node.index]!;
    node.plan = { earliestMs: round(e), slackMs: round(makespan - e - tail[node.index]!) };
  }

  const criticalPath = walkCritical(ir, earliest, tail, cost, makespan);
  const perLevel = new Map<number, number>();
  for (const node of ir.nodes) perLevel.set(node.level, (perLevel.get(node.level) ?? 0) + 1);
  ir.plan = {
    makespanMs: round(makespan),
    criticalPath,
    levels: perLevel.size,
    widest: Math.max(0, ...perLevel.values()),
  };
  ctx.record({
    pass: "schedule",
    nodes: criticalPath,
    reason: `critical path of ${criticalPath.length} node(s), about ${round(makespan)} ms under the cost model; ${perLevel.size} parallel level(s), the widest with ${ir.plan.widest} node(s)`,
  });

  const reordered: string[] = [];
  for (const node of ir.nodes) {
    const slots = node.out.flatMap((i, at) => (ir.edges[i]!.loop === null ? [at] : []));
    if (slots.length < 2) continue;
    const forward = slots.map((at) => node.out[at]!);
    const sorted = forward
      .map((i, k) => ({ i, k, tail: tail[ir.byId[ir.edges[i]!.to]!]! }))
      .sort((a, b) => b.tail - a.tail || a.k - b.k)
      .map((x) => x.i);
    if (sorted.every((i, k) => i === forward[k])) continue;
    slots.forEach((at, k) => {
      node.out[at] = sorted[k]!;
    });
    reordered.push(node.id);
  }
  if (reordered.length > 0) {
    ctx.record({
      pass: "schedule",
      nodes: reordered,
      reason: `${reordered.length} node(s) dispatch their successors longest remaining path first`,
    });
  }
}

/** From start, follow successors that keep the path at the full makespan. */
function walkCritical(
  ir: IR,
  earliest: Float64Array,
  tail: Float64Array,
  cost: Float64Array,
  makespan: number,
): string[] {
  const path: string[] = [];
  let current: IRNode | undefined = ir.nodes[ir.byId[ir.start]!];
  const seen = new Set<string>();
  while (current && !seen.has(current.id)) {
    seen.add(current.id);
    path.push(current.id);
    const done = earliest[current.index]! + cost[current.index]!;
    let next: IRNode | undefined;
    for (const i of current.out) {
      const edge = ir.edges[i]!;
      if (edge.loop !== null) continue;
      const target = ir.nodes[ir.byId[edge.to]!]!;
      if (Math.abs(done + tail[target.index]! - makespan) <= 1e-9 * Math.max(1, makespan)) {
        next = target;
        break;
      }
    }
    current = next;
  }
  return path;
}
