export type { ExpressionSyntaxError } from "./jsonata";
export {
  checkExpression,
  compileExpression,
  ExpressionError,
  evaluateExpression,
} from "./jsonata";
export type { TemplateProblem, TemplateRef } from "./template";
export { checkTemplates, findTemplates, renderTemplates } from "./template";
