export type { WorkflowDefinitionInput } from "./definition";
export {
  EdgeSpec,
  ERROR_PORT,
  NodeId,
  NodeSpec,
  RetryPolicy,
  WorkflowDefinition,
} from "./definition";
export type { ValidationIssue } from "./issues";
export { formatPath } from "./issues";
export type { ValidationResult } from "./validate";
export { validateWorkflow } from "./validate";
