import { RE2JS } from "re2js";
import safeRegex from "safe-regex2";

/** Why a regular expression is refused: it can backtrack for ever, or RE2 cannot run it. */
export type RegexProblemCode = "unsafe_regex" | "unsupported_regex";

export interface RegexProblem {
  code: RegexProblemCode;
  message: string;
  /** The regex as written, `/source/flags` without JSONata's implicit `g`. */
  regex: string;
  /** Character offset of the regex in its expression, when known. */
  position?: number;
}

const compiled = new Map<string, RE2JS | RegexProblem>();
const MAX_CACHED = 500;

/**
 * Checks one regular expression the way validation and the run do: nested quantifiers (star
 * height above 1, the shape of catastrophic backtracking, e.g. `(a+)+`) and more than 25
 * repetitions are refused (`unsafe_regex`, safe-regex2's rule); a pattern RE2 cannot run
 * (look-around, back-references) is refused too (`unsupported_regex`).
 * @example
 * checkRegex(/(a+)+$/); // { code: "unsafe_regex", ... }
 * checkRegex(/^\d+$/); // null
 */
export function checkRegex(re: RegExp): RegexProblem | null {
  const found = linear(re);
  return found instanceof RE2JS ? null : found;
}

/**
 * Every regex literal in a JSONata AST (the parser turns `/…/` into `{ type: "regex", value:
 * RegExp }`), wherever it sits: arguments, predicates, lambda bodies, object constructors.
 * @example
 * regexLiterals(jsonata("$match(s, /a+/)").ast()); // [{ re: /a+/g, position: … }]
 */
export function regexLiterals(ast: unknown): { re: RegExp; position?: number }[] {
  const found: { re: RegExp; position?: number }[] = [];
  const seen = new Set<object>();
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== "object" || seen.has(node)) return;
    seen.add(node);
    if (node instanceof RegExp) return;
    const n = node as { type?: unknown; value?: unknown; position?: unknown };
    if (n.type === "regex" && n.value instanceof RegExp) {
      found.push(
        typeof n.position === "number" ? { re: n.value, position: n.position } : { re: n.value },
      );
    }
    for (const child of Object.values(node)) walk(child);
  };
  walk(ast);
  return found;
}

/**
 * JSONata's `RegexEngine`: every regex an expression evaluates (literals, and those compiled by
 * `$eval` from run-time data) runs on RE2 (re2js), whose matching time is linear in the input,
 * after the same refusal as validation. JSONata calls `new RegexEngine(re)`, sets `lastIndex`
 * and calls `exec`, as on a global RegExp; that is all this implements.
 * @example
 * new LinearRegExp(/b+/g).exec("abbc"); // ["bb"], index 1
 */
export class LinearRegExp {
  lastIndex = 0;
  private readonly pattern: RE2JS;

  constructor(re: RegExp) {
    const found = linear(re);
    if (!(found instanceof RE2JS)) throw new RegexRefusal(found);
    this.pattern = found;
  }

  exec(text: string): RegExpExecArray | null {
    const m = this.pattern.matcher(text);
    if (this.lastIndex > text.length || !m.find(this.lastIndex)) {
      this.lastIndex = 0;
      return null;
    }
    const groups: (string | undefined)[] = [];
    for (let i = 0; i <= m.groupCount(); i++) groups.push(m.group(i) ?? undefined);
    const match = groups as unknown as RegExpExecArray;
    match.index = m.start();
    match.input = text;
    this.lastIndex = m.end();
    return match;
  }
}

/** Thrown inside JSONata when an evaluated regex is refused; turned into an ExpressionError. */
export class RegexRefusal extends Error {
  constructor(readonly problem: RegexProblem) {
    super(problem.message);
    this.name = "RegexRefusal";
  }
}

function linear(re: RegExp): RE2JS | RegexProblem {
  const flags = re.flags.replace("g", "");
  const key = `${flags}/${re.source}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const found = compile(re.source, flags);
  if (compiled.size >= MAX_CACHED) {
    const oldest = compiled.keys().next().value;
    if (oldest !== undefined) compiled.delete(oldest);
  }
  compiled.set(key, found);
  return found;
}

function compile(source: string, flags: string): RE2JS | RegexProblem {
  const regex = `/${source}/${flags}`;
  if (!safeRegex(source)) {
    return {
      code: "unsafe_regex",
      regex,
      message: `regular expression ${regex} can backtrack catastrophically (a repeated group that itself repeats, such as (a+)+, or more than 25 repetitions); rewrite it without nested quantifiers`,
    };
  }
  try {
    let mask = 0;
    if (flags.includes("i")) mask |= RE2JS.CASE_INSENSITIVE;
    if (flags.includes("m")) mask |= RE2JS.MULTILINE;
    return RE2JS.compile(RE2JS.translateRegExp(source), mask);
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    return {
      code: "unsupported_regex",
      regex,
      message: `regular expression ${regex} is not supported (expressions run regexes on RE2, which has no look-around or back-references): ${reason}`,
    };
  }
}
