import { type Node, Position, type ReactFlowProps } from "@xyflow/react";
import type { CanvasEdge, CanvasNode } from "./node-data";
import { ERROR_PORT, portsOf } from "./ports";

/**
 * A canvas of more nodes than this is drawn for scale: only what is in view is rendered, nodes
 * carry their size and handles (so fitting the view and drawing an edge to a node out of view
 * need no measuring), and nodes are drawn simple when zoomed out (`SIMPLE_BELOW_ZOOM`).
 */
export const BIG_GRAPH = 300;
/** Below this zoom a big graph's nodes are boxes coloured by status, without text. */
export const SIMPLE_BELOW_ZOOM = 0.45;
/** The size of a node drawn simple, and the size assumed for a node not yet measured. */
export const NODE_W = 180;
export const NODE_H = 52;

type NodeHandle = NonNullable<Node["handles"]>[number];

/**
 * The handles a node drawn simple has, where the simple node draws them (flow.css
 * `.wf-node-simple`): the input on the left, every outcome port on the right, `error` at the
 * bottom, all at the middle of their side.
 */
export function simpleHandles(node: CanvasNode): NodeHandle[] {
  const handles: NodeHandle[] = [];
  if (node.type !== "start") {
    handles.push({ id: "in", type: "target", position: Position.Left, x: 0, y: NODE_H / 2 });
  }
  if (node.type !== "end") {
    for (const port of portsOf(node.data.kind, node.data.config)) {
      handles.push({
        id: port,
        type: "source",
        position: Position.Right,
        x: NODE_W,
        y: NODE_H / 2,
      });
    }
  }
  handles.push({
    id: ERROR_PORT,
    type: "source",
    position: Position.Bottom,
    x: NODE_W / 2,
    y: NODE_H,
  });
  return handles;
}

/**
 * A node of a big graph with its assumed size and handles: React Flow fits the view and draws
 * edges to it before (or without ever) rendering it. Once rendered, what it measures wins.
 */
export function withGeometry(node: CanvasNode): CanvasNode {
  let placed = geometryOf.get(node);
  if (!placed) {
    placed = { ...node, initialWidth: NODE_W, initialHeight: NODE_H, handles: simpleHandles(node) };
    geometryOf.set(node, placed);
  }
  return placed;
}

/** The same node in gives the same object out: React Flow skips nodes whose object is unchanged. */
const geometryOf = new WeakMap<CanvasNode, CanvasNode>();

/** A big graph opens fitted to this many of its leftmost nodes (where it starts), not all. */
export const FIRST_VIEW_NODES = 200;

/**
 * The props a canvas of these nodes takes on top of its own. A big graph is never fitted whole:
 * at the zoom that shows 10,000 nodes, all of them are in view and must be drawn. It opens on
 * where it starts (its leftmost `FIRST_VIEW_NODES`), and zooms out no further than 0.2, where a
 * screen holds some hundreds of nodes.
 */
export function scaleProps(nodes: readonly CanvasNode[]): Pick<
  ReactFlowProps<CanvasNode, CanvasEdge>,
  "onlyRenderVisibleElements" | "minZoom"
> & {
  fitViewOptions: {
    padding: number;
    maxZoom: number;
    includeHiddenNodes?: boolean;
    nodes?: { id: string }[];
  };
} {
  if (nodes.length <= BIG_GRAPH) {
    return {
      onlyRenderVisibleElements: false,
      minZoom: 0.2,
      fitViewOptions: { padding: 0.2, maxZoom: 1.2 },
    };
  }
  const first = [...nodes]
    .sort((a, b) => a.position.x - b.position.x || a.position.y - b.position.y)
    .slice(0, FIRST_VIEW_NODES)
    .map((n) => ({ id: n.id }));
  return {
    onlyRenderVisibleElements: true,
    minZoom: 0.2,
    fitViewOptions: { padding: 0.1, maxZoom: 1.2, includeHiddenNodes: true, nodes: first },
  };
}
