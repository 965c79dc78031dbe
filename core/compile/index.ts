export { ancestors } from "./ancestors";
export type { CompileOptions } from "./compile";
export { compile, INLINE_HTTP_MAX_TIMEOUT_MS } from "./compile";
export type { DispatchMode, IR, IREdge, IRNode, IRStep } from "./ir";
export { IR_VERSION } from "./ir";
export type { Csr, LevelsFn } from "./levels";
export { levelsReference } from "./levels";
