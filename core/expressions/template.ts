import { checkExpression, evaluateExpression } from "./jsonata";
import { type ExpressionLimits, Meter } from "./limits";

const TEMPLATE = /\{\{([\s\S]*?)\}\}/g;
const WHOLE = /^\s*\{\{([\s\S]*?)\}\}\s*$/;

/** A `{{ expression }}` found in a config value, with its path relative to that value. */
export interface TemplateRef {
  path: (string | number)[];
  expression: string;
}

/**
 * Lists every `{{ … }}` expression inside a JSON value (strings nested in objects and arrays).
 * @example
 * findTemplates({ url: "https://x/{{ input.id }}" }); // [{ path: ["url"], expression: "input.id" }]
 */
export function findTemplates(value: unknown, path: (string | number)[] = []): TemplateRef[] {
  if (typeof value === "string") {
    return [...value.matchAll(TEMPLATE)].map((m) => ({ path, expression: (m[1] ?? "").trim() }));
  }
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => findTemplates(v, [...path, i]));
  }
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => findTemplates(v, [...path, k]));
  }
  return [];
}

/** A template that does not parse; `position` is a character offset in `expression`. */
export interface TemplateProblem {
  path: (string | number)[];
  message: string;
  expression: string;
  position?: number;
}

/**
 * Syntax errors of every template inside a value, with their paths.
 * @example
 * checkTemplates({ url: "https://x/{{ input. }}" });
 * // [{ path: ["url"], expression: "input.", message: "Unexpected end of expression", position: 6 }]
 */
export function checkTemplates(value: unknown): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const ref of findTemplates(value)) {
    if (ref.expression === "") {
      problems.push({ path: ref.path, message: "empty {{ }} template", expression: "" });
      continue;
    }
    const error = checkExpression(ref.expression);
    if (error) problems.push({ path: ref.path, expression: ref.expression, ...error });
  }
  return problems;
}

/**
 * Renders templates inside a JSON value. A string that is exactly one `{{ expr }}` becomes the
 * expression's value (an object stays an object); templates inside longer strings are
 * interpolated as text (objects as JSON). All the templates share one `limits` budget.
 * @example
 * await renderTemplates({ n: "{{ input.n }}", s: "id-{{ input.n }}" }, { input: { n: 2 } }); // { n: 2, s: "id-2" }
 */
export async function renderTemplates(
  value: unknown,
  context: unknown,
  limits: ExpressionLimits = {},
): Promise<unknown> {
  if (!limits.meter) limits = { meter: new Meter(limits.timeoutMs) };
  if (typeof value === "string") return renderString(value, context, limits);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) out.push(await renderTemplates(v, context, limits));
    return out;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await renderTemplates(v, context, limits);
    return out;
  }
  return value;
}

async function renderString(
  text: string,
  context: unknown,
  limits: ExpressionLimits,
): Promise<unknown> {
  if (!text.includes("{{")) return text;
  const whole = WHOLE.exec(text);
  if (whole && !whole[1]?.includes("{{")) {
    return evaluateExpression((whole[1] ?? "").trim(), context, limits);
  }
  let out = "";
  let last = 0;
  for (const m of text.matchAll(TEMPLATE)) {
    out += text.slice(last, m.index);
    const v = await evaluateExpression((m[1] ?? "").trim(), context, limits);
    out += v === null ? "" : typeof v === "string" ? v : JSON.stringify(v);
    last = (m.index ?? 0) + m[0].length;
  }
  return out + text.slice(last);
}
