import jsonata from "jsonata";
import { findTemplates } from "../expressions/template";
import { kindOf } from "../kinds/registry";

/**
 * What an expression (or a node's whole config) reads from the run context. An
 * over-approximation: a name is counted wherever it appears, and anything that cannot be pinned
 * to named parts (`nodes` as a whole, `$$`, `nodes[...]`) sets `unknown`, which the passes treat
 * as "reads everything".
 */
export interface References {
  /** Node ids whose `output` or `status` is read. */
  nodes: Set<string>;
  input: boolean;
  /** `run.*`: differs in every run. */
  run: boolean;
  /** `item` / `index` (map items). */
  item: boolean;
  unknown: boolean;
  /** Calls a function whose value changes between calls ($now, $millis, $random, ...). */
  volatile: boolean;
}

/** JSONata built-ins whose value is not a function of their arguments. */
const VOLATILE = new Set(["now", "millis", "random", "uuid", "eval"]);
const ROOTS = new Set(["input", "nodes", "run", "item", "index", "secrets"]);

export function noReferences(): References {
  return {
    nodes: new Set(),
    input: false,
    run: false,
    item: false,
    unknown: false,
    volatile: false,
  };
}

/** Adds `b` into `a`. */
export function mergeReferences(a: References, b: References): References {
  for (const id of b.nodes) a.nodes.add(id);
  a.input ||= b.input;
  a.run ||= b.run;
  a.item ||= b.item;
  a.unknown ||= b.unknown;
  a.volatile ||= b.volatile;
  return a;
}

type Ast = Record<string, unknown> & { type?: string; value?: unknown };

const parsed = new Map<string, Ast | null>();

/** The JSONata AST of an expression, or null when it does not parse (validation reports that). */
export function astOf(source: string): Ast | null {
  if (parsed.has(source)) return parsed.get(source)!;
  let ast: Ast | null = null;
  try {
    ast = jsonata(source).ast() as unknown as Ast;
  } catch {
    ast = null;
  }
  if (parsed.size > 5000) parsed.clear();
  parsed.set(source, ast);
  return ast;
}

/**
 * @example
 * expressionReferences("nodes.fetch.output.body.total > input.limit");
 * // { nodes: Set { "fetch" }, input: true, run: false, item: false, unknown: false, volatile: false }
 */
export function expressionReferences(source: string): References {
  return lexicalReferences(source) ?? astReferences(source);
}

/** What the expression reads, from its JSONata syntax tree (exact up to `unknown`). */
export function astReferences(source: string): References {
  const refs = noReferences();
  const ast = astOf(source);
  if (!ast) {
    refs.unknown = true;
    return refs;
  }
  walk(ast, refs);
  return refs;
}

/**
 * Everything a node's config reads: its bare expressions (by its kind) and every `{{ }}`
 * template anywhere in it. A map's step config counts too (its templates run per item).
 * @example
 * configReferences("http", { url: "https://x/{{ nodes.a.output.id }}" }).nodes; // Set { "a" }
 */
export function configReferences(type: string, config: Record<string, unknown>): References {
  const refs = noReferences();
  const kind = kindOf(type);
  if (kind) {
    let fields: { source: string }[] = [];
    try {
      fields = kind.expressions(config as never);
    } catch {
      refs.unknown = true;
    }
    for (const field of fields) mergeReferences(refs, expressionReferences(field.source));
  }
  for (const template of findTemplates(config)) {
    mergeReferences(refs, expressionReferences(template.expression));
  }
  return refs;
}

/**
 * `scoped`: inside a path step or a filter, where `$` is the current item, not the context.
 */
const STRINGS = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\/\*[\s\S]*?\*\//g;
const NODES = /(?<![\w$`])nodes(?![\w`])/g;
const MEMBER = /^\s*\.\s*(?:([A-Za-z_]\w*)|`([^`]+)`)/;

/**
 * The fast path (parsing JSONata costs ~0.1 ms an expression; large graphs have thousands):
 * reads the expression's text with string literals and comments removed, and answers only when
 * every `nodes` is followed by `.name` and there is no `$$`, bare `$` or wildcard; else null,
 * and the AST decides. It may count more than the AST (a field that happens to be called
 * `input`), never less: extra references only make the passes more careful.
 */
export function lexicalReferences(source: string): References | null {
  const text = source.replace(STRINGS, " ");
  if (/\$\$|\$(?![A-Za-z_])|\*\*/.test(text)) return null;
  // `*` is a wildcard unless it multiplies (after an operand).
  for (const m of text.matchAll(/\*/g)) {
    const before = text.slice(0, m.index).trimEnd();
    if (!/[\w)\]}`]$/.test(before)) return null;
  }
  const refs = noReferences();
  for (const m of text.matchAll(NODES)) {
    const member = MEMBER.exec(text.slice((m.index ?? 0) + m[0].length));
    if (!member) return null;
    refs.nodes.add(member[1] ?? member[2]!);
  }
  refs.input = /(?<![\w$`])input(?![\w`])/.test(text);
  refs.run = /(?<![\w$`])run(?![\w`])/.test(text);
  refs.item = /(?<![\w$`])(?:item|index)(?![\w`])/.test(text);
  refs.volatile = /\$(?:now|millis|random|uuid|eval)(?!\w)/.test(text);
  return refs;
}

function walk(node: unknown, refs: References, scoped = false): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, refs, scoped);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const ast = node as Ast;
  switch (ast.type) {
    case "path": {
      const steps = ast.steps as Ast[];
      path(steps, refs);
      steps.forEach((step, i) => {
        // Names and a leading `$`/`$$` were read by path(); anything else is an expression.
        if (step.type === "name" || (i === 0 && step.type === "variable")) {
          walkChildren(step, refs, true);
        } else {
          walk(step, refs, true);
        }
      });
      return;
    }
    case "name":
      // A bare name outside a path (the parser wraps names in paths today): a root field.
      root(String(ast.value), undefined, refs);
      walkChildren(ast, refs, true);
      return;
    case "variable":
      // `$$` hands out the whole context, and so does `$` outside a step or a filter.
      if (ast.value === "$" || (ast.value === "" && !scoped)) refs.unknown = true;
      walkChildren(ast, refs, scoped);
      return;
    case "function":
    case "partial": {
      const proc = ast.procedure as Ast | undefined;
      if (proc?.type === "variable" && VOLATILE.has(String(proc.value))) refs.volatile = true;
      if (proc && proc.type !== "variable") walk(proc, refs, scoped);
      walkChildren(ast, refs, scoped);
      return;
    }
    case "wildcard":
    case "descendant":
      // `*` or `**` outside a path step: every field of the context.
      if (!scoped) refs.unknown = true;
      walkChildren(ast, refs, scoped);
      return;
    default:
      walkChildren(ast, refs, scoped);
  }
}

/** Walks an AST node's children (stages and predicates are filters: scoped). */
function walkChildren(ast: Ast, refs: References, scoped: boolean): void {
  for (const [key, child] of Object.entries(ast)) {
    if (key === "position" || key === "value" || key === "type" || key === "procedure") continue;
    if (key === "steps") continue;
    const inFilter = key === "stages" || key === "predicate" || key === "group";
    walk(child, refs, scoped || inFilter);
  }
}

/** The first steps of a path decide which root it reads. */
function path(steps: Ast[], refs: References): void {
  let i = 0;
  const first = steps[0];
  if (!first) return;
  if (first.type === "variable") {
    // `$.x` and `$$.x` read the root field x; anything else is a bound variable.
    if (first.value !== "" && first.value !== "$") return;
    if (hasStages(first)) {
      refs.unknown = true;
      return;
    }
    i = 1;
    if (!steps[1]) {
      refs.unknown = true;
      return;
    }
  }
  const head = steps[i];
  if (!head) return;
  if (head.type !== "name") {
    // `*` and `**` at the root read every field; a path that starts with a block or a call
    // walks from that value (walked on its own).
    if (i === 1 || head.type === "wildcard" || head.type === "descendant") refs.unknown = true;
    return;
  }
  root(String(head.value), hasStages(head) ? null : steps[i + 1], refs);
}

function root(name: string, next: Ast | null | undefined, refs: References): void {
  if (!ROOTS.has(name)) return;
  switch (name) {
    case "input":
      refs.input = true;
      return;
    case "run":
      refs.run = true;
      return;
    case "item":
    case "index":
      refs.item = true;
      return;
    case "secrets":
      return;
    case "nodes":
      if (next && next.type === "name") refs.nodes.add(String(next.value));
      else refs.unknown = true;
      return;
  }
}

function hasStages(step: Ast): boolean {
  const stages = step.stages as unknown[] | undefined;
  const predicate = step.predicate as unknown[] | undefined;
  return (stages?.length ?? 0) > 0 || (predicate?.length ?? 0) > 0;
}
