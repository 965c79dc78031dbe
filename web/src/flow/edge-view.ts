import { MarkerType } from "@xyflow/react";
import type { CanvasEdge } from "./node-data";
import { ERROR_PORT, SUCCESS_PORT } from "./ports";

export interface EdgeLook {
  /** Validation problems of the edge (builder). */
  issues?: readonly string[];
  /** The edge fired in the run (run view). */
  taken?: boolean;
  /** Its target is running (run view). */
  animated?: boolean;
}

/** "patch 2" on an edge a patch added, "removed by patch 3" on one it removed. */
function patchLabel(data: CanvasEdge["data"]): string | null {
  if (data?.removedBy !== undefined) return `removed by patch ${data.removedBy}`;
  if (data?.addedBy !== undefined) return `patch ${data.addedBy}`;
  return null;
}

/**
 * How an edge is drawn: its port and loop limit as the label, red and dashed for `error`, dotted
 * and routed around the nodes for a loop back edge, red for problems, green when it fired;
 * in the run view, edges a patch added or removed say which patch.
 * @example
 * edgeView({ id: "e", source: "a", target: "b", sourceHandle: "true" }).label // "true"
 */
export function edgeView(edge: CanvasEdge, look: EdgeLook = {}): CanvasEdge {
  const issues = look.issues ?? [];
  const port = edge.sourceHandle ?? SUCCESS_PORT;
  const loop = edge.data?.loop;
  const label = [
    port !== SUCCESS_PORT ? port : null,
    loop ? `loop ≤ ${loop.maxIterations}` : null,
    patchLabel(edge.data),
    issues.length > 0 ? `⚠ ${issues[0]}` : null,
  ]
    .filter(Boolean)
    .join(" · ");
  const className = [
    port === ERROR_PORT ? "edge-error" : null,
    loop ? "edge-loop" : null,
    issues.length > 0 ? "edge-invalid" : null,
    look.taken ? "edge-taken" : null,
    edge.data?.addedBy !== undefined ? "edge-added" : null,
    edge.data?.removedBy !== undefined ? "edge-removed" : null,
  ]
    .filter(Boolean)
    .join(" ");
  const view: CanvasEdge = {
    ...edge,
    markerEnd: { type: MarkerType.ArrowClosed },
    data: { ...edge.data, issues: [...issues] },
  };
  if (label) view.label = label;
  if (className) view.className = className;
  if (look.animated) view.animated = true;
  if (loop) view.type = "smoothstep";
  return view;
}
