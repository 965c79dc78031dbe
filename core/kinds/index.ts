export type {
  CacheTrait,
  Execution,
  ExpressionField,
  InlineResult,
  InlineStep,
  KindStatus,
  KindTraits,
  NodeKind,
  StepSpec,
} from "./kind";
export { defineKind, NO_RETRY, SUCCESS_PORT } from "./kind";
export {
  allKinds,
  BUILTIN_KINDS,
  createKindRegistry,
  describeKinds,
  type IoKindName,
  KINDS,
  type KindName,
  type KindRegistry,
  kindOf,
} from "./registry";
