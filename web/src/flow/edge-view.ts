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

/**
 * How an edge is drawn: its port and loop limit as the label, red and dashed for `error`, dotted
 * and routed around the nodes for a loop back edge, red for problems, green when it fired.
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
    issues.length > 0 ? `⚠ ${issues[0]}` : null,
  ]
    .filter(Boolean)
    .join(" · ");
  const className = [
    port === ERROR_PORT ? "edge-error" : null,
    loop ? "edge-loop" : null,
    issues.length > 0 ? "edge-invalid" : null,
    look.taken ? "edge-taken" : null,
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
