/** The graph optimiser: passes over a compiled IR, their kernels, and the run-time helpers. */
export { DEFAULT_AGENT_CACHE_TTL_SECONDS } from "./cache-keys";
export { type Constant, foldExpression } from "./fold";
export { type GraphKernels, referenceKernels, type ScheduleResult } from "./kernels";
export { type OptimiseOptions, optimise, PASSES } from "./optimise";
export { configReferences, expressionReferences, type References } from "./references";
export { COST_MS, costOf } from "./schedule";
