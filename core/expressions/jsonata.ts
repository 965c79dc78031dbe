import jsonata from "jsonata";

type Compiled = ReturnType<typeof jsonata>;

const MAX_CACHED = 2000;
const cache = new Map<string, Compiled>();

export interface ExpressionSyntaxError {
  message: string;
  /** Character offset in the expression, when JSONata reports one. */
  position?: number;
}

/**
 * Compiles a JSONata expression once and caches it (runs evaluate the same expressions over and
 * over). Throws ExpressionError on a syntax error.
 * @example
 * compileExpression("input.a + 1");
 */
export function compileExpression(source: string): Compiled {
  const hit = cache.get(source);
  if (hit) return hit;
  let compiled: Compiled;
  try {
    compiled = jsonata(source);
  } catch (thrown) {
    throw new ExpressionError(messageOf(thrown), positionOf(thrown));
  }
  if (cache.size >= MAX_CACHED) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(source, compiled);
  return compiled;
}

/**
 * Checks an expression's syntax without evaluating it.
 * @example
 * checkExpression("a +"); // { message: "...", position: 3 }
 */
export function checkExpression(source: string): ExpressionSyntaxError | null {
  try {
    compileExpression(source);
    return null;
  } catch (thrown) {
    if (thrown instanceof ExpressionError) {
      return thrown.position === undefined
        ? { message: thrown.message }
        : { message: thrown.message, position: thrown.position };
    }
    throw thrown;
  }
}

/**
 * Evaluates an expression against the run's context document.
 * @example
 * await evaluateExpression("input.n * 2", { input: { n: 2 } }); // 4
 */
export async function evaluateExpression(source: string, context: unknown): Promise<unknown> {
  const compiled = compileExpression(source);
  try {
    return normalise(await compiled.evaluate(context));
  } catch (thrown) {
    throw new ExpressionError(messageOf(thrown), positionOf(thrown));
  }
}

/** A JSONata failure; a user's mistake, never worth retrying. */
export class ExpressionError extends Error {
  readonly code = "expression_error";
  readonly retryable = false;
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
    this.name = "ExpressionError";
  }
}

function messageOf(thrown: unknown): string {
  if (typeof thrown === "object" && thrown !== null && "message" in thrown) {
    return String((thrown as { message: unknown }).message);
  }
  return String(thrown);
}

function positionOf(thrown: unknown): number | undefined {
  if (typeof thrown === "object" && thrown !== null && "position" in thrown) {
    const p = (thrown as { position: unknown }).position;
    return typeof p === "number" ? p : undefined;
  }
  return undefined;
}

/**
 * JSONata returns `undefined` for "no match" and arrays tagged with a `sequence` flag; both are
 * turned into plain JSON so that outputs hash and serialise the same everywhere.
 */
function normalise(value: unknown): unknown {
  if (value === undefined || isFunction(value)) return null;
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined && !isFunction(v)) out[k] = normalise(v);
    }
    return out;
  }
  return value;
}

/**
 * JSONata functions are objects flagged `_jsonata_lambda` (whose environment is cyclic) or
 * `_jsonata_function` (built-ins such as `$sum`), the same test JSONata's own isFunction makes.
 */
function isFunction(value: unknown): boolean {
  if (typeof value === "function") return true;
  if (typeof value !== "object" || value === null) return false;
  const flags = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown };
  return flags._jsonata_lambda === true || flags._jsonata_function === true;
}
