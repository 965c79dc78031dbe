import jsonata from "jsonata";
import { ExpressionLimitError, type ExpressionLimits, Meter } from "./limits";
import { checkRegex, LinearRegExp, type RegexProblem, RegexRefusal, regexLiterals } from "./regex";

type Compiled = ReturnType<typeof jsonata>;

/** Where JSONata looks for the callback it awaits on entering every evaluation step. */
const ENTRY = Symbol.for("jsonata.__evaluate_entry");
/**
 * The binding that carries one evaluation's Meter. JSONata variable names stop at a space, so
 * no expression can read or shadow it.
 */
const METER = "aob meter";
/** JSONata's `RegexEngine` option is typed as RegExp's constructor; LinearRegExp is enough of one. */
const OPTIONS = { RegexEngine: LinearRegExp as unknown as RegExpConstructor };

interface Frame {
  base: { depth: number; lookup(name: string): unknown };
}

/** Every evaluation step, `$eval`'d expressions included (they share the caller's frames). */
function onEntry(_expr: unknown, _input: unknown, frame: Frame): Promise<void> | undefined {
  const meter = frame.base.lookup(METER) as Meter | undefined;
  return meter?.step(frame.base.depth);
}

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
    compiled = jsonata(source, OPTIONS);
    compiled.assign(ENTRY as unknown as string, onEntry);
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
 * The regular expressions in an expression that validation refuses (core/expressions/regex.ts),
 * with their positions. An expression that does not parse has none (checkExpression says why).
 * @example
 * checkRegexes("$match(input.s, /(a+)+$/)"); // [{ code: "unsafe_regex", regex: "/(a+)+$/", ... }]
 */
export function checkRegexes(source: string): RegexProblem[] {
  let compiled: Compiled;
  try {
    compiled = compileExpression(source);
  } catch {
    return [];
  }
  const problems: RegexProblem[] = [];
  for (const { re, position } of regexLiterals(compiled.ast())) {
    const problem = checkRegex(re);
    if (problem) problems.push(position === undefined ? problem : { ...problem, position });
  }
  return problems;
}

/**
 * Evaluates an expression against the run's context document, within its time budget
 * (`limits.timeoutMs`, default 100 ms) and MAX_EXPRESSION_DEPTH; regexes run on RE2.
 * @example
 * await evaluateExpression("input.n * 2", { input: { n: 2 } }); // 4
 * await evaluateExpression("$f(1e6)", ctx, { timeoutMs: 50 }); // rejects: expression_timeout
 */
export async function evaluateExpression(
  source: string,
  context: unknown,
  limits: ExpressionLimits = {},
): Promise<unknown> {
  const compiled = compileExpression(source);
  try {
    const meter = limits.meter ?? new Meter(limits.timeoutMs);
    return normalise(await compiled.evaluate(context, { [METER]: meter }));
  } catch (thrown) {
    const cause = causeOf(thrown);
    if (cause instanceof ExpressionLimitError)
      throw new ExpressionError(cause.message, undefined, cause.code);
    if (cause instanceof RegexRefusal) {
      throw new ExpressionError(cause.message, positionOf(thrown), cause.problem.code);
    }
    throw new ExpressionError(messageOf(thrown), positionOf(thrown));
  }
}

/** What an ExpressionError's code says: a mistake in the expression, or a bound it hit. */
export type ExpressionErrorCode =
  | "expression_error"
  | "expression_timeout"
  | "expression_too_deep"
  | "unsafe_regex"
  | "unsupported_regex";

/** A JSONata failure; a user's mistake (or a bound it ran into), never worth retrying. */
export class ExpressionError extends Error {
  readonly retryable = false;
  constructor(
    message: string,
    readonly position?: number,
    readonly code: ExpressionErrorCode = "expression_error",
  ) {
    super(message);
    this.name = "ExpressionError";
  }
}

/** `$eval` wraps what its expression threw as `{ code: "D3121", error }`; find the first cause. */
function causeOf(thrown: unknown): unknown {
  let at = thrown;
  for (let i = 0; i < 20 && typeof at === "object" && at !== null; i++) {
    if (at instanceof ExpressionLimitError || at instanceof RegexRefusal) return at;
    at = (at as { error?: unknown }).error;
  }
  return thrown;
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
