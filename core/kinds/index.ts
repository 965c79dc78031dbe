export type { Execution, ExpressionField, KindStatus, NodeKind } from "./kind";
export { SUCCESS_PORT } from "./kind";
export { allKinds, describeKinds, kindOf } from "./registry";
