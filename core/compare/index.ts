/** Comparing two runs node by node: their order, their differences, the first divergence. */
export type { OrderEdge } from "./order";
export { topologicalOrder } from "./order";
export type { Difference, NodeFacts, NodePair, RunComparison, RunFacts } from "./run-diff";
export { compareRuns, DIFFERENCES } from "./run-diff";
