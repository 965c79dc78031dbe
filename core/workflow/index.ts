export {
  EdgeSpec,
  ERROR_PORT,
  NodeId,
  NodeSpec,
  RetryPolicy,
  WorkflowDefinition,
} from "./definition";
export type { WorkflowDefinitionInput } from "./definition";
export { formatPath } from "./issues";
export type { ValidationIssue } from "./issues";
export { validateWorkflow } from "./validate";
export type { ValidationResult } from "./validate";
