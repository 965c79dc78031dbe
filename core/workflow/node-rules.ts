import type { z } from "zod";
import { checkExpression, checkRegexes } from "../expressions/jsonata";
import { checkTemplates, findTemplates } from "../expressions/template";
import { KINDS, type KindRegistry } from "../kinds/registry";
import type { NodeSpec } from "./definition";
import type { ValidationIssue } from "./issues";

type Path = (string | number)[];

/**
 * Checks one node against its kind: the config schema, the expressions it holds, templates in
 * strings. Unknown kinds are a warning (they are skipped at run time), kinds not built yet an error.
 */
export function checkNode(
  node: NodeSpec,
  path: Path,
  kinds: KindRegistry = KINDS,
): ValidationIssue[] {
  const kind = kinds.get(node.type);
  if (!kind) {
    return [
      {
        path: [...path, "type"],
        code: "unknown_type",
        message: `unknown node type "${node.type}": the node will be skipped at run time`,
        severity: "warning",
      },
    ];
  }
  if (kind.status === "coming_soon") {
    return [
      {
        path: [...path, "type"],
        code: "kind_not_available",
        message: `node type "${node.type}" is coming soon and cannot run yet`,
        severity: "error",
      },
    ];
  }
  return checkConfig(kinds, node.type, node.config, [...path, "config"]);
}

function checkConfig(
  kinds: KindRegistry,
  type: string,
  config: unknown,
  path: Path,
): ValidationIssue[] {
  const kind = kinds.get(type);
  if (!kind) return [];
  const parsed = kind.config.safeParse(config);
  if (!parsed.success) return zodIssues(parsed.error, path, "invalid_config");
  const issues: ValidationIssue[] = [];
  for (const field of kind.expressions(parsed.data)) {
    const problem = checkExpression(field.source);
    if (problem) {
      issues.push({
        path: [...path, ...field.path],
        code: "invalid_expression",
        message: `expression does not parse: ${problem.message}${at(problem.position)}`,
        severity: "error",
      });
    }
    issues.push(...regexIssues(field.source, [...path, ...field.path], "expression"));
  }
  // A map's step config is checked, templates included, by the recursive call below.
  const fanOut = kind.traits.fanOut;
  const { node: _step, ...own } = config as Record<string, unknown>;
  for (const problem of checkTemplates(fanOut ? own : config)) {
    issues.push({
      path: [...path, ...problem.path],
      code: "invalid_expression",
      message: `template {{ ${problem.expression} }} does not parse: ${problem.message}${at(problem.position)}`,
      severity: "error",
    });
  }
  for (const ref of findTemplates(fanOut ? own : config)) {
    issues.push(
      ...regexIssues(ref.expression, [...path, ...ref.path], `template {{ ${ref.expression} }}`),
    );
  }
  if (fanOut) {
    const body = fanOut.step(parsed.data);
    if (!kinds.get(body.type)?.traits.mappable) {
      const mappable = kinds.all().filter((k) => k.traits.mappable);
      issues.push({
        path: [...path, "node", "type"],
        code: "invalid_config",
        message: `a map step must be one of: ${mappable.map((k) => k.type).join(", ")}`,
        severity: "error",
      });
    } else {
      issues.push(...checkConfig(kinds, body.type, body.config, [...path, "node", "config"]));
    }
  }
  return issues;
}

/**
 * Regexes that could backtrack for ever (`unsafe_regex`), or that RE2, which runs every regex
 * at run time, cannot run (`unsupported_regex`).
 */
function regexIssues(source: string, path: Path, what: string): ValidationIssue[] {
  return checkRegexes(source).map((problem) => ({
    path,
    code: problem.code,
    message: `${what}: ${problem.message}${at(problem.position)}`,
    severity: "error" as const,
  }));
}

function at(position: number | undefined): string {
  return position === undefined ? "" : ` (at character ${position})`;
}

/** Maps zod issues onto JSON paths under `base`. */
export function zodIssues(error: z.ZodError, base: Path, code: string): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: [...base, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
    code,
    message: issue.message,
    severity: "error" as const,
  }));
}
