import type { RunContext } from "../executors/context";
import type { ExpressionLimits } from "../expressions/limits";

/*
 * The kinds' evaluators reach the JSONata engine through these, loaded on first use: the browser
 * imports the kinds for their ports and traits and never evaluates, so the engine (JSONata,
 * RE2) stays out of the web bundle. Each module is imported once and its promise kept: one more
 * await on an already asynchronous evaluation.
 */

let jsonataModule: Promise<typeof import("../expressions/jsonata")> | undefined;
let templateModule: Promise<typeof import("../expressions/template")> | undefined;
const jsonata = () => {
  jsonataModule ??= import("../expressions/jsonata");
  return jsonataModule;
};
const template = () => {
  templateModule ??= import("../expressions/template");
  return templateModule;
};

/** `evaluateExpression` (core/expressions/jsonata.ts), loaded on first use. */
export async function evaluate(
  source: string,
  ctx: RunContext,
  limits: ExpressionLimits,
): Promise<unknown> {
  const { evaluateExpression } = await jsonata();
  return evaluateExpression(source, ctx, limits);
}

/** `renderTemplates` (core/expressions/template.ts), loaded on first use. */
export async function render(
  value: unknown,
  ctx: RunContext,
  limits: ExpressionLimits,
): Promise<unknown> {
  const { renderTemplates } = await template();
  return renderTemplates(value, ctx, limits);
}

/** The expression error's code and message when `thrown` is one, else null. */
export async function expressionErrorOf(
  thrown: unknown,
): Promise<{ code: string; message: string } | null> {
  const { ExpressionError } = await jsonata();
  return thrown instanceof ExpressionError ? { code: thrown.code, message: thrown.message } : null;
}
