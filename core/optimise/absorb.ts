import type { IRNode } from "../compile/ir";
import { nodeOf, type PassContext } from "./context";
import { type Constant, foldExpression, isScalar } from "./fold";
import { edgeCsr } from "./graph";
import { expressionReferences } from "./references";

/**
 * **Conditional absorber.** Contract:
 *
 * - A `condition` or `switch` node whose expression is constant once compiled is resolved here:
 *   its expression is folded (fold.ts: literals and operators, and `nodes.<id>.output...` of a
 *   constant `transform` that every path from start to the node passes through) and replaced by
 *   the literal value. At run time the node takes the same port with the same output as the
 *   original expression would, at the cost of reading a literal.
 * - Its out-edges on the other ports, and its `error` edges (a literal cannot fail), can never
 *   fire. Every node that can then no longer be reached from start is pruned: marked `omit`
 *   (pass `absorb_conditions`). The run still shows it, `skipped` as before (dead-path
 *   elimination does that), and the skip event carries this rewrite's reason.
 * - Nodes a loop may run again are neither folded nor pruned (an iteration activates the loop
 *   target without its in-edges firing, so "every path passes through" proves nothing there).
 * - Records one rewrite per resolved node: its old and new expression, its port and what it
 *   pruned.
 */
export function absorbConditions(ctx: PassContext): void {
  const { ir, kinds, loops } = ctx;
  const fold = (node: IRNode) => kinds.get(node.type)?.traits.fold;
  const dominators = new Dominators(ctx);
  const constants = new Map<string, Constant>();
  const order = [...ir.nodes].sort((a, b) => a.level - b.level || a.index - b.index);
  for (const node of order) {
    if (fold(node) !== "value" || loops.has(node.id) || node.mode === "skip") continue;
    const expression = (node.config as { expression?: unknown }).expression;
    if (typeof expression !== "string") continue;
    const known = dominators.known(node, expression, constants);
    const folded = known && foldExpression(expression, known);
    if (folded) constants.set(node.id, folded.value);
  }

  const resolved: { node: IRNode; port: string; dead: number[]; from: string; to: string }[] = [];
  for (const node of order) {
    const router = fold(node);
    if (router === undefined || router === "value" || loops.has(node.id)) continue;
    if (node.mode === "skip") continue;
    const config = node.config as { expression?: unknown };
    if (typeof config.expression !== "string") continue;
    const known = dominators.known(node, config.expression, constants);
    const folded = known && foldExpression(config.expression, known);
    if (!folded || !isScalar(folded.value)) continue;
    const value = folded.value;
    // The kind's router is the executor's: the folded port is the one the run would take.
    const port = router.port(value, node.config);
    const literal = router.literal(value);
    const dead = node.out.filter((i) => {
      const on = ir.edges[i]!.on;
      return on !== null && on !== port;
    });
    resolved.push({ node, port, dead, from: config.expression, to: literal });
    node.config = { ...node.config, expression: literal };
  }
  if (resolved.length === 0) return;

  const deadEdges = new Set(resolved.flatMap((r) => r.dead));
  const pruned = unreachable(ctx, deadEdges);
  const blame = blameOf(ctx, resolved, pruned);
  const portOf = new Map(resolved.map((r) => [r.node.id, r.port]));
  for (const r of resolved) {
    const prunedHere = [...pruned].filter((id) => blame.get(id) === r.node.id);
    const deadPorts = [...new Set(r.dead.map((i) => ir.edges[i]!.on!))];
    ctx.record({
      pass: "absorb_conditions",
      nodes: [r.node.id, ...prunedHere],
      reason:
        `expression ${JSON.stringify(r.from)} is ${r.to} once compiled: "${r.node.id}" always ` +
        `takes port "${r.port}"` +
        (prunedHere.length > 0
          ? `; pruned ${prunedHere.length} node(s) on ${deadPorts.join(", ")}`
          : ""),
      detail: { expression: { from: r.from, to: r.to }, port: r.port, deadPorts },
    });
  }
  for (const id of pruned) {
    const by = blame.get(id)!;
    nodeOf(ir, id).omit = {
      pass: "absorb_conditions",
      reason: `never reached: "${by}" always takes port "${portOf.get(by)}"`,
    };
  }
}

/**
 * Which resolved node each pruned node is pruned by: the first (in definition order) whose dead
 * edges lead into the pruned region towards it. One walk over the pruned region.
 */
function blameOf(
  ctx: PassContext,
  resolved: { node: IRNode; dead: number[] }[],
  pruned: ReadonlySet<string>,
): Map<string, string> {
  const { ir } = ctx;
  const blame = new Map<string, string>();
  const ordered = [...resolved].sort((a, b) => a.node.index - b.node.index);
  for (const r of ordered) {
    const todo = r.dead.map((i) => ir.edges[i]!.to).filter((id) => pruned.has(id));
    while (todo.length > 0) {
      const id = todo.pop()!;
      if (blame.has(id)) continue;
      blame.set(id, r.node.id);
      for (const i of nodeOf(ir, id).out) {
        const to = ir.edges[i]!.to;
        if (pruned.has(to) && !blame.has(to)) todo.push(to);
      }
    }
  }
  return blame;
}

/** Nodes no longer reachable from start without `dead` edges (loop nodes excepted). */
function unreachable(ctx: PassContext, dead: ReadonlySet<number>): Set<string> {
  const { ir, kernels, loops } = ctx;
  const graph = edgeCsr(ir, (e) => !dead.has(e.index));
  const mark = kernels.reach(graph, Int32Array.of(ir.byId[ir.start]!));
  const out = new Set<string>();
  for (const node of ir.nodes) {
    if (mark[node.index] === 0 && !loops.has(node.id) && !node.omit) out.add(node.id);
  }
  return out;
}

/**
 * "Every path from start to y passes through x": y cannot be reached once x's out-edges are
 * gone. One reachability per x, kept.
 */
class Dominators {
  private readonly cut = new Map<string, Uint8Array>();

  constructor(private readonly ctx: PassContext) {}

  dominates(x: string, y: IRNode): boolean {
    const { ir, kernels } = this.ctx;
    if (x === y.id) return false;
    let mark = this.cut.get(x);
    if (!mark) {
      mark = kernels.reach(
        edgeCsr(ir, (e) => e.from !== x),
        Int32Array.of(ir.byId[ir.start]!),
      );
      this.cut.set(x, mark);
    }
    return mark[y.index] === 0;
  }

  /** Constant outputs `node`'s expression may rely on: those of nodes dominating it. */
  /**
   * Constant outputs `node`'s expression may rely on (those of nodes dominating it), or null
   * when the expression reads something else from the run and so cannot fold: that check is
   * textual, and saves parsing expressions that could never fold.
   */
  known(node: IRNode, expression: string, constants: ReadonlyMap<string, Constant>) {
    const refs = expressionReferences(expression);
    if (refs.input || refs.run || refs.item || refs.unknown || refs.volatile) return null;
    const known = new Map<string, Constant>();
    for (const id of refs.nodes) {
      if (!constants.has(id) || !this.dominates(id, node)) return null;
      known.set(id, constants.get(id)!);
    }
    return known;
  }
}
