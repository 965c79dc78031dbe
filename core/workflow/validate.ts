import { checkTemplates } from "../expressions/template";
import { KINDS, type KindRegistry } from "../kinds/registry";
import { NodeSpec, WorkflowDefinition } from "./definition";
import { checkGraph } from "./graph-rules";
import type { ValidationIssue } from "./issues";
import { checkNode, zodIssues } from "./node-rules";
import { checkToolExposure } from "./tool";

export type ValidationResult =
  | { ok: true; definition: WorkflowDefinition; warnings: ValidationIssue[] }
  | { ok: false; errors: ValidationIssue[]; warnings: ValidationIssue[] };

/**
 * Validates a submitted definition: its shape, every node against its kind, then the graph
 * rules. Every problem carries the JSON path of what is wrong. `kinds`: the kinds the types
 * name (the platform's by default).
 * @example
 * const r = validateWorkflow({ name: "x", nodes: [{ id: "start", type: "start" }] });
 * if (!r.ok) console.log(r.errors.map((e) => formatPath(e.path)));
 */
export function validateWorkflow(input: unknown, kinds: KindRegistry = KINDS): ValidationResult {
  const shape = WorkflowDefinition.safeParse(input);
  if (!shape.success) {
    // Still check every node that is well-formed on its own, so one bad id does not hide the
    // config errors of its neighbours.
    const nodes = (input as { nodes?: unknown } | null)?.nodes;
    const perNode = Array.isArray(nodes)
      ? nodes.flatMap((raw, i) => {
          const node = NodeSpec.safeParse(raw);
          return node.success ? checkNode(node.data, ["nodes", i], kinds) : [];
        })
      : [];
    return {
      ok: false,
      errors: [
        ...zodIssues(shape.error, [], "invalid_shape"),
        ...perNode.filter((i) => i.severity === "error"),
      ],
      warnings: perNode.filter((i) => i.severity === "warning"),
    };
  }
  const definition = shape.data;
  const all = [
    ...definition.nodes.flatMap((node, i) => checkNode(node, ["nodes", i], kinds)),
    ...checkGraph(definition, kinds),
    ...checkConcurrencyKey(definition),
    ...checkToolExposure(definition, kinds),
  ];
  const errors = all.filter((i) => i.severity === "error");
  const warnings = all.filter((i) => i.severity === "warning");
  return errors.length > 0 ? { ok: false, errors, warnings } : { ok: true, definition, warnings };
}

/**
 * The concurrency and throttle keys are templates over the input: they must parse, and name
 * the same key when both are set (one queue holds a key's runs).
 */
function checkConcurrencyKey(definition: WorkflowDefinition): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const templates: [ValidationIssue["path"], string | undefined][] = [
    [["concurrency", "key"], definition.concurrency?.key],
    [["concurrency", "priority"], definition.concurrency?.priority],
    [["throttle", "key"], definition.throttle?.key],
    [["debounce", "key"], definition.debounce?.key],
  ];
  for (const [path, source] of templates) {
    if (source === undefined) continue;
    for (const problem of checkTemplates(source)) {
      issues.push({
        path,
        code: "invalid_expression",
        message: `template {{ ${problem.expression} }} does not parse: ${problem.message}`,
        severity: "error",
      });
    }
  }
  // One queue holds a key's runs: every flow rule set names the same key.
  const set = (["concurrency", "throttle", "debounce"] as const).filter((f) => definition[f]);
  const first = set[0];
  for (const field of set.slice(1)) {
    if (definition[field]?.key !== definition[first!]?.key) {
      issues.push({
        path: [field, "key"],
        code: "invalid_config",
        message: `${field}.key must be the same as ${first}.key: one queue holds a key's runs`,
        severity: "error",
      });
    }
  }
  return issues;
}
