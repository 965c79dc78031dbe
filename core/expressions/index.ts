export type { ExpressionErrorCode, ExpressionSyntaxError } from "./jsonata";
export {
  checkExpression,
  checkRegexes,
  compileExpression,
  ExpressionError,
  evaluateExpression,
} from "./jsonata";
export type { ExpressionLimits } from "./limits";
export {
  DEFAULT_EXPRESSION_TIMEOUT_MS,
  MAX_EXPRESSION_DEPTH,
  MAX_EXPRESSION_TIMEOUT_MS,
} from "./limits";
export type { RegexProblem } from "./regex";
export { checkRegex } from "./regex";
export type { TemplateProblem, TemplateRef } from "./template";
export { checkTemplates, findTemplates, renderTemplates } from "./template";
