import { astOf } from "./references";

/** A JSON scalar. */
export type Scalar = string | number | boolean | null;
/** What the folder produces: scalars, and objects of them (no arrays: JSONata's sequences). */
export type Constant = Scalar | { [key: string]: Constant };

/**
 * Outputs known at compile time, by node id, for nodes that are certain to have produced them
 * before the expression runs (the absorber checks dominance).
 */
export type KnownOutputs = ReadonlyMap<string, Constant>;

/**
 * Evaluates an expression at compile time when its value cannot depend on the run: literals,
 * arithmetic, comparisons, `and`/`or`, `&` on strings, `? :`, parentheses, object constructors,
 * and `nodes.<id>.output.<field>...` lookups into `known` outputs. Returns null (not folded) for
 * anything else, and wherever JSONata would raise an error or the folder is not sure to agree
 * with it: the expression is then left for the run to evaluate. The property test
 * (fold.property.test.ts) checks that every folded value equals JSONata's.
 * @example
 * foldExpression("1 + 2 = 3"); // { value: true }
 * foldExpression("nodes.cfg.output.region", new Map([["cfg", { region: "eu" }]])); // { value: "eu" }
 * foldExpression("input.n > 1"); // null
 */
export function foldExpression(
  source: string,
  known: KnownOutputs = new Map(),
): { value: Constant } | null {
  const ast = astOf(source);
  if (!ast) return null;
  const value = fold(ast, known);
  return value === NOT ? null : { value };
}

const NOT = Symbol("not constant");
type Folded = Constant | typeof NOT;
type Ast = Record<string, unknown> & { type?: string; value?: unknown };

export function isScalar(v: unknown): v is Scalar {
  return (
    v === null ||
    typeof v === "string" ||
    typeof v === "boolean" ||
    (typeof v === "number" && Number.isFinite(v))
  );
}

/** JSONata's `$boolean` on scalars. */
function truthy(v: Scalar): boolean {
  if (typeof v === "string") return v.length > 0;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "boolean") return v;
  return false;
}

function fold(ast: Ast, known: KnownOutputs): Folded {
  switch (ast.type) {
    case "string":
    case "number":
    case "value":
      return isScalar(ast.value) ? ast.value : NOT;
    case "block": {
      const expressions = ast.expressions as Ast[];
      return expressions.length === 1 ? fold(expressions[0]!, known) : NOT;
    }
    case "unary": {
      if (ast.value === "{") return object(ast.lhs as [Ast, Ast][], known);
      if (ast.value !== "-") return NOT;
      const v = fold(ast.expression as Ast, known);
      return typeof v === "number" ? finite(-v) : NOT;
    }
    case "condition": {
      if (!ast.else) return NOT;
      const test = fold(ast.condition as Ast, known);
      if (!isScalar(test)) return NOT;
      return fold((truthy(test) ? ast.then : ast.else) as Ast, known);
    }
    case "binary":
      return binary(String(ast.value), ast.lhs as Ast, ast.rhs as Ast, known);
    case "path":
      return lookup(ast.steps as Ast[], known);
    default:
      return NOT;
  }
}

function binary(op: string, lhsAst: Ast, rhsAst: Ast, known: KnownOutputs): Folded {
  const lhs = fold(lhsAst, known);
  if (!isScalar(lhs)) return NOT;
  // JSONata short-circuits `and` and `or`: the right side may be anything then.
  if (op === "and" && !truthy(lhs)) return false;
  if (op === "or" && truthy(lhs)) return true;
  const rhs = fold(rhsAst, known);
  if (!isScalar(rhs)) return NOT;
  switch (op) {
    case "and":
    case "or":
      return truthy(rhs);
    case "=":
      return lhs === rhs;
    case "!=":
      return lhs !== rhs;
    case "<":
    case "<=":
    case ">":
    case ">=": {
      // JSONata compares two numbers or two strings; anything else is an error at run time.
      const comparable =
        (typeof lhs === "number" && typeof rhs === "number") ||
        (typeof lhs === "string" && typeof rhs === "string");
      if (!comparable) return NOT;
      if (op === "<") return lhs < rhs;
      if (op === "<=") return lhs <= rhs;
      if (op === ">") return lhs > rhs;
      return lhs >= rhs;
    }
    case "+":
    case "-":
    case "*":
    case "/":
    case "%": {
      if (typeof lhs !== "number" || typeof rhs !== "number") return NOT;
      if (op === "+") return finite(lhs + rhs);
      if (op === "-") return finite(lhs - rhs);
      if (op === "*") return finite(lhs * rhs);
      if (op === "/") return finite(lhs / rhs);
      return finite(lhs % rhs);
    }
    case "&":
      // Numbers and booleans go through $string's formatting: left to the run.
      return typeof lhs === "string" && typeof rhs === "string" ? lhs + rhs : NOT;
    default:
      return NOT;
  }
}

function finite(n: number): Folded {
  return Number.isFinite(n) ? n : NOT;
}

/** `{ "key": value, ... }` with string keys, each once. */
function object(pairs: [Ast, Ast][], known: KnownOutputs): Folded {
  const out: { [key: string]: Constant } = {};
  for (const [keyAst, valueAst] of pairs) {
    const key = fold(keyAst, known);
    if (typeof key !== "string" || Object.hasOwn(out, key)) return NOT;
    const value = fold(valueAst, known);
    if (value === NOT) return NOT;
    out[key] = value;
  }
  return out;
}

/** `nodes.<id>.output.<a>.<b>`: plain names through objects the folder made. */
function lookup(steps: Ast[], known: KnownOutputs): Folded {
  if (steps.length < 3) return NOT;
  for (const step of steps) {
    if (step.type !== "name") return NOT;
    if ((step.stages as unknown[] | undefined)?.length) return NOT;
    if ((step.predicate as unknown[] | undefined)?.length) return NOT;
    if (step.group || step.focus || step.tuple || step.keepArray) return NOT;
  }
  const [root, id, field, ...rest] = steps.map((s) => String(s.value));
  if (root !== "nodes" || field !== "output" || id === undefined || !known.has(id)) return NOT;
  let value: Constant = known.get(id)!;
  for (const name of rest) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, name)) return NOT;
    value = value[name]!;
  }
  return value;
}
