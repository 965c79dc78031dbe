import type { IR, IRNode, PassName, Rewrite } from "../compile/ir";
import type { KindRegistry } from "../kinds/registry";
import type { GraphKernels } from "./kernels";

/** What every pass receives: the IR it rewrites in place, the kernels, and where to record. */
export interface PassContext {
  ir: IR;
  kernels: GraphKernels;
  /** The kinds: what each node's kind lets a pass do (core/kinds/kind.ts, `traits`). */
  kinds: KindRegistry;
  /** Nodes a loop may run again (graph.ts `loopNodes`). */
  loops: ReadonlySet<string>;
  record(rewrite: Rewrite): void;
}

/** A pass: reads and annotates the IR, recording each change with its reason. */
export type Pass = (ctx: PassContext) => void;

export type PassTable = Record<PassName, Pass>;

export function nodeOf(ir: IR, id: string): IRNode {
  return ir.nodes[ir.byId[id]!]!;
}
