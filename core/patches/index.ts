export { checkAgentPatch } from "./agent-rules";
export { type ApplyResult, applyPatch, materialise } from "./apply";
export {
  checkGraphLimits,
  DEFAULT_RUN_LIMITS,
  type GraphSize,
  graphSize,
  parseRunLimits,
  RunLimits,
  treeLimitRefusal,
} from "./limits";
export { checkLive } from "./live";
export { PATCH_EXAMPLE, Patch, type PatchInput, PatchOp, type PatchSource } from "./ops";
export { type Rebased, rebaseState } from "./rebase";
