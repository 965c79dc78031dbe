import type { IR } from "../compile/ir";
import type { RunState } from "../scheduler/state";
import type { ValidationIssue } from "../workflow/issues";
import type { Patch } from "./ops";

/**
 * The apply-time check against live state (the third layer): nothing that has started or
 * resolved may change. `remove_edge` needs a pending edge; `update_node` and `add_edge` into an
 * existing node need a node that has never started. Run by the RunObject in the transaction
 * that applies the patch, so state cannot move in between.
 */
export function checkLive(ir: IR, state: RunState, patch: Patch): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const refuse = (path: (string | number)[], code: string, message: string) =>
    issues.push({ path, code, message, severity: "error" });
  const started = (id: string): string | null => {
    const st = state.nodes[id];
    if (!st || !Object.hasOwn(ir.byId, id)) return null; // added by this patch
    return st.status === "pending" && st.attempt === 0 ? null : st.status;
  };
  patch.ops.forEach((op, i) => {
    switch (op.op) {
      case "remove_edge": {
        const e = ir.edges.find(
          (x) => x.from === op.from && x.to === op.to && x.on === (op.on ?? null),
        );
        const edgeState = e ? state.edges[e.index] : undefined;
        if (e && edgeState !== "pending") {
          refuse(
            ["ops", i],
            "edge_resolved",
            `edge ${op.from} → ${op.to} has already ${edgeState === "fired" ? "fired" : "been resolved (dead)"}; only pending edges can be removed`,
          );
        }
        return;
      }
      case "update_node": {
        const status = started(op.id);
        if (status) {
          refuse(
            ["ops", i, "id"],
            "node_started",
            `node "${op.id}" has already started (it is ${status}); only nodes that have not started can be updated`,
          );
        }
        return;
      }
      case "add_edge": {
        const status = started(op.edge.to);
        if (status) {
          refuse(
            ["ops", i, "edge", "to"],
            "node_started",
            `node "${op.edge.to}" has already started (it is ${status}); a new edge cannot lead into it`,
          );
        }
        return;
      }
      case "add_node":
        return;
    }
  });
  return issues;
}
