export { Budget, budgetQuestion, budgetReached, raiseBudget } from "./budget";
export { parsePatchArgs, refusal } from "./patch-tool";
export { buildMessages, type ChatMessage } from "./prompt";
export { HttpRequestArgs, type ToolDefinition, toolDefinitions } from "./tools";
export {
  addUsage,
  costOf,
  DEFAULT_PRICES,
  type PriceTable,
  parsePrices,
  totalTokens,
  type Usage,
  ZERO_USAGE,
} from "./usage";
