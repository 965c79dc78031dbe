export { compile, INLINE_HTTP_MAX_TIMEOUT_MS } from "./compile";
export type { CompileOptions } from "./compile";
export { IR_VERSION } from "./ir";
export type { DispatchMode, IR, IREdge, IRNode, IRStep } from "./ir";
export { levelsReference } from "./levels";
export type { Csr, LevelsFn } from "./levels";
