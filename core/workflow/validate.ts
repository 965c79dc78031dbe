import { WorkflowDefinition } from "./definition";
import { checkGraph } from "./graph-rules";
import type { ValidationIssue } from "./issues";
import { checkNode, zodIssues } from "./node-rules";

export type ValidationResult =
  | { ok: true; definition: WorkflowDefinition; warnings: ValidationIssue[] }
  | { ok: false; errors: ValidationIssue[]; warnings: ValidationIssue[] };

/**
 * Validates a submitted definition: its shape, every node against its kind, then the graph
 * rules. Every problem carries the JSON path of what is wrong.
 * @example
 * const r = validateWorkflow({ name: "x", nodes: [{ id: "start", type: "start" }] });
 * if (!r.ok) console.log(r.errors.map((e) => formatPath(e.path)));
 */
export function validateWorkflow(input: unknown): ValidationResult {
  const shape = WorkflowDefinition.safeParse(input);
  if (!shape.success) {
    return { ok: false, errors: zodIssues(shape.error, [], "invalid_shape"), warnings: [] };
  }
  const definition = shape.data;
  const all = [
    ...definition.nodes.flatMap((node, i) => checkNode(node, ["nodes", i])),
    ...checkGraph(definition),
  ];
  const errors = all.filter((i) => i.severity === "error");
  const warnings = all.filter((i) => i.severity === "warning");
  return errors.length > 0 ? { ok: false, errors, warnings } : { ok: true, definition, warnings };
}
