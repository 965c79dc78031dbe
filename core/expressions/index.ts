export {
  checkExpression,
  compileExpression,
  evaluateExpression,
  ExpressionError,
} from "./jsonata";
export type { ExpressionSyntaxError } from "./jsonata";
export { checkTemplates, findTemplates, renderTemplates } from "./template";
export type { TemplateRef } from "./template";
