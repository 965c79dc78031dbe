import type { NodeStatus } from "../scheduler/state";
import { type OrderEdge, topologicalOrder } from "./order";

/** What a comparison reads of one node of a run (a part of core/wire/node-view.ts). */
export interface NodeFacts {
  id: string;
  status: NodeStatus;
  outputHash?: string;
  startedAt?: number;
}

/** One run as the comparison reads it: when it started, its nodes and its graph's edges. */
export interface RunFacts<N extends NodeFacts = NodeFacts> {
  createdAt: number;
  nodes: readonly N[];
  edges: readonly OrderEdge[];
}

/** How a node differs between two runs. */
export const DIFFERENCES = ["status", "output", "only_a", "only_b"] as const;
export type Difference = (typeof DIFFERENCES)[number];

/** One node of two runs, side by side; a side is null where the run has no such node. */
export interface NodePair<N extends NodeFacts = NodeFacts> {
  id: string;
  a: N | null;
  b: N | null;
  sameStatus: boolean;
  /** Equal output hashes, or neither has an output. */
  sameOutput: boolean;
  differences: Difference[];
}

export interface RunComparison<N extends NodeFacts = NodeFacts> {
  /** Every node of either run, in the order of `topologicalOrder` (ranked by start time). */
  pairs: NodePair<N>[];
  /** Index in `pairs` of the first node whose status or output differs, or null. */
  firstDivergence: number | null;
  /** How many nodes are the same, differ, or exist in one run only. */
  summary: { nodes: number; same: number; different: number; onlyA: number; onlyB: number };
}

/**
 * Two runs compared node by node (matched by id), in topological order of their graphs (the
 * union of both runs' edges, loop back edges aside), nodes ready at once ordered by when they
 * started (from their run's start, the earlier of the two runs'). The first divergence is the
 * first node in that order whose status or output differs, or that one run lacks: the earliest
 * place to look for why the runs went apart.
 * @example
 * compareRuns(source, replay).firstDivergence; // 2: the replayed node whose output changed
 */
export function compareRuns<N extends NodeFacts>(a: RunFacts<N>, b: RunFacts<N>): RunComparison<N> {
  const inA = new Map(a.nodes.map((n) => [n.id, n]));
  const inB = new Map(b.nodes.map((n) => [n.id, n]));
  const ids = [...inA.keys(), ...[...inB.keys()].filter((id) => !inA.has(id))];
  const offset = (run: RunFacts<N>, node: N | undefined) =>
    node?.startedAt === undefined ? Number.POSITIVE_INFINITY : node.startedAt - run.createdAt;
  const rank = (id: string) => Math.min(offset(a, inA.get(id)), offset(b, inB.get(id)));
  const order = topologicalOrder(ids, [...a.edges, ...b.edges], rank);
  const summary = { nodes: order.length, same: 0, different: 0, onlyA: 0, onlyB: 0 };
  let firstDivergence: number | null = null;
  const pairs = order.map((id, i): NodePair<N> => {
    const x = inA.get(id) ?? null;
    const y = inB.get(id) ?? null;
    const sameStatus = x?.status === y?.status;
    const sameOutput = (x?.outputHash ?? null) === (y?.outputHash ?? null);
    const differences: Difference[] = [];
    if (!x) differences.push("only_b");
    else if (!y) differences.push("only_a");
    else {
      if (!sameStatus) differences.push("status");
      if (!sameOutput) differences.push("output");
    }
    if (!x) summary.onlyB++;
    else if (!y) summary.onlyA++;
    if (differences.length === 0) summary.same++;
    else {
      summary.different++;
      firstDivergence ??= i;
    }
    return { id, a: x, b: y, sameStatus, sameOutput, differences };
  });
  return { pairs, firstDivergence, summary };
}
