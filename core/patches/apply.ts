import type { NodeSpec, WorkflowDefinition } from "../workflow/definition";
import type { ValidationIssue } from "../workflow/issues";
import { validateWorkflow } from "../workflow/validate";
import { checkGraphLimits, type RunLimits } from "./limits";
import type { Patch, PatchOp } from "./ops";

type Path = (string | number)[];

export type ApplyResult =
  | { ok: true; definition: WorkflowDefinition; warnings: ValidationIssue[] }
  | { ok: false; errors: ValidationIssue[] };

/**
 * The materialiser: applies a patch's ops, in order, to a materialised definition and checks
 * the result like any definition (shape, kinds, graph rules) plus the run's size limits. Pure;
 * the input is not modified. Every problem's path points into the patch (`ops[1].edge.to`) when
 * an op caused it, else into the resulting graph.
 * @example
 * const r = applyPatch(base, { ops: [{ op: "add_node", node: { id: "x", type: "transform", config: { expression: "1" } } }] }, limits);
 */
export function applyPatch(
  current: WorkflowDefinition,
  patch: Patch,
  limits: RunLimits,
): ApplyResult {
  const nodes: NodeSpec[] = current.nodes.map((n) => ({ ...n }));
  const edges = current.edges.map((e) => ({ ...e }));
  /** Which op last produced each node and edge, to point errors at the patch. */
  const nodeOrigin = new Map<string, { op: number; prefix: Path }>();
  const edgeOrigin: (number | undefined)[] = edges.map(() => undefined);
  const errors: ValidationIssue[] = [];
  const fail = (path: Path, code: string, message: string) =>
    errors.push({ path, code, message, severity: "error" });

  patch.ops.forEach((op: PatchOp, i) => {
    const at: Path = ["ops", i];
    switch (op.op) {
      case "add_node":
        if (nodes.some((n) => n.id === op.node.id)) {
          fail([...at, "node", "id"], "duplicate_id", `node "${op.node.id}" already exists`);
          return;
        }
        nodes.push({ ...op.node });
        nodeOrigin.set(op.node.id, { op: i, prefix: ["node"] });
        return;
      case "add_edge": {
        for (const end of ["from", "to"] as const) {
          if (!nodes.some((n) => n.id === op.edge[end])) {
            fail([...at, "edge", end], "unknown_node", `no node "${op.edge[end]}" (add it first)`);
          }
        }
        if (errors.length > 0) return;
        edges.push({ ...op.edge });
        edgeOrigin.push(i);
        return;
      }
      case "remove_edge": {
        const j = edges.findIndex(
          (e) => e.from === op.from && e.to === op.to && (e.on ?? undefined) === op.on,
        );
        if (j < 0) {
          fail(at, "unknown_edge", `no edge ${describeEdge(op)} to remove`);
          return;
        }
        edges.splice(j, 1);
        edgeOrigin.splice(j, 1);
        return;
      }
      case "update_node": {
        const node = nodes.find((n) => n.id === op.id);
        if (!node) {
          fail([...at, "id"], "unknown_node", `no node "${op.id}" to update`);
          return;
        }
        if (op.config !== undefined) node.config = op.config;
        if (op.retry !== undefined) node.retry = op.retry;
        if (op.timeoutMs !== undefined) node.timeoutMs = op.timeoutMs;
        if (op.expressionTimeoutMs !== undefined) node.expressionTimeoutMs = op.expressionTimeoutMs;
        if (op.name !== undefined) node.name = op.name;
        nodeOrigin.set(op.id, { op: i, prefix: [] });
        return;
      }
    }
  });
  if (errors.length > 0) return { ok: false, errors };

  const candidate = { ...current, nodes, edges };
  const checked = validateWorkflow(candidate);
  if (!checked.ok) {
    return {
      ok: false,
      errors: checked.errors.map((issue) => locate(issue, candidate, nodeOrigin, edgeOrigin)),
    };
  }
  const limitErrors = checkGraphLimits(checked.definition, limits);
  if (limitErrors.length > 0) return { ok: false, errors: limitErrors };
  return {
    ok: true,
    definition: checked.definition,
    warnings: checked.warnings.map((issue) => locate(issue, candidate, nodeOrigin, edgeOrigin)),
  };
}

/**
 * Replays accepted patches over a base definition: the graph a run executes. Problems and
 * warnings point at the patch that caused them (`patches[1].ops[0].edge.to`).
 */
export function materialise(
  base: WorkflowDefinition,
  patches: Patch[],
  limits: RunLimits,
): ApplyResult {
  let current = base;
  const warnings: ValidationIssue[] = [];
  for (const [k, patch] of patches.entries()) {
    const applied = applyPatch(current, patch, limits);
    if (!applied.ok) {
      return {
        ok: false,
        errors: applied.errors.map((e) => ({ ...e, path: ["patches", k, ...e.path] })),
      };
    }
    current = applied.definition;
    // Only what this patch caused: the graph's other warnings were reported when it was made.
    for (const w of applied.warnings) {
      if (w.path[0] === "ops") warnings.push({ ...w, path: ["patches", k, ...w.path] });
    }
  }
  return { ok: true, definition: current, warnings };
}

/** Moves a graph-level issue's path to the op that caused it, when one did. */
function locate(
  issue: ValidationIssue,
  def: { nodes: NodeSpec[] },
  nodeOrigin: Map<string, { op: number; prefix: Path }>,
  edgeOrigin: (number | undefined)[],
): ValidationIssue {
  const [head, index, ...rest] = issue.path;
  if (head === "nodes" && typeof index === "number") {
    const id = def.nodes[index]?.id;
    const origin = id === undefined ? undefined : nodeOrigin.get(id);
    if (origin) return { ...issue, path: ["ops", origin.op, ...origin.prefix, ...rest] };
  }
  if (head === "edges" && typeof index === "number") {
    const op = edgeOrigin[index];
    if (op !== undefined) return { ...issue, path: ["ops", op, "edge", ...rest] };
  }
  return issue;
}

function describeEdge(e: { from: string; to: string; on?: string | undefined }): string {
  return `${e.from} → ${e.to}${e.on ? ` (on ${e.on})` : ""}`;
}
