import {
  Background,
  Controls,
  type NodeMouseHandler,
  Panel,
  ReactFlow,
  useNodesState,
  useReactFlow,
} from "@xyflow/react";
import { useEffect, useMemo, useRef } from "react";
import { edgeView } from "../flow/edge-view";
import type { CanvasEdge, CanvasNode } from "../flow/node-data";
import { nodeTypes } from "../flow/node-types";
import { SUCCESS_PORT } from "../flow/ports";
import { edgeFired, type LiveRun } from "./run-state";

/**
 * The run's graph (the version's, plus what patches added), read-only, each node coloured by its
 * live status; nodes and edges a patch added are highlighted and say which patch. When a patch
 * adds nodes while the run is watched, the view fits them in.
 */
export function RunCanvas({
  canvas,
  live,
  selected,
  onSelect,
  onMenu,
}: {
  canvas: { nodes: CanvasNode[]; edges: CanvasEdge[] };
  live: LiveRun;
  selected: string | null;
  onSelect(id: string | null): void;
  onMenu(menu: { nodeId: string; x: number; y: number } | null): void;
}) {
  const [nodes, setNodes, onNodesChange] = useNodesState<CanvasNode>(canvas.nodes);
  const { fitView } = useReactFlow();
  const shownIds = useRef(canvas.nodes.map((n) => n.id).join(" "));
  useEffect(() => {
    setNodes((current) => {
      const byId = new Map(current.map((n) => [n.id, n]));
      return canvas.nodes.map((n) => {
        const state = live.nodes[n.id];
        const base = byId.get(n.id) ?? n;
        return {
          ...base,
          // A patch can reflow a graph laid out automatically: the canvas decides positions.
          position: n.position,
          selected: n.id === selected,
          data: { ...n.data, status: state?.status ?? "pending", attempt: state?.attempt ?? 0 },
        };
      });
    });
  }, [canvas, live, selected, setNodes]);
  useEffect(() => {
    const ids = canvas.nodes.map((n) => n.id).join(" ");
    if (ids === shownIds.current) return;
    shownIds.current = ids;
    // Queued by React Flow until the new nodes are measured.
    void fitView({ padding: 0.2, maxZoom: 1.2, duration: 200 });
  }, [canvas, fitView]);
  const patched = canvas.nodes.some(
    (n) => n.data.addedBy !== undefined || (n.data.changedBy?.length ?? 0) > 0,
  );
  const edges = useMemo(
    () =>
      canvas.edges.map((e) => {
        if (e.data?.removedBy !== undefined) return edgeView(e);
        const taken = edgeFired(e.sourceHandle ?? SUCCESS_PORT, live.nodes[e.source]);
        const animated = taken && live.nodes[e.target]?.status === "running";
        return edgeView(e, { taken, animated });
      }),
    [canvas.edges, live],
  );
  const onNodeClick: NodeMouseHandler<CanvasNode> = (_, node) => onSelect(node.id);
  const onNodeContextMenu: NodeMouseHandler<CanvasNode> = (event, node) => {
    event.preventDefault();
    const pane = (event.currentTarget as HTMLElement)
      .closest(".run-canvas")
      ?.getBoundingClientRect();
    onMenu({
      nodeId: node.id,
      x: event.clientX - (pane?.left ?? 0),
      y: event.clientY - (pane?.top ?? 0),
    });
  };
  return (
    <ReactFlow<CanvasNode, CanvasEdge>
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      onNodesChange={(changes) => {
        // Keyboard selection (Enter on a focused node) arrives as a change, not a click.
        for (const c of changes) if (c.type === "select" && c.selected) onSelect(c.id);
        onNodesChange(changes);
      }}
      onNodeClick={onNodeClick}
      onNodeContextMenu={onNodeContextMenu}
      onPaneClick={() => onSelect(null)}
      nodesDraggable={false}
      nodesConnectable={false}
      edgesFocusable={false}
      deleteKeyCode={null}
      fitView
      fitViewOptions={{ padding: 0.2, maxZoom: 1.2 }}
      minZoom={0.2}
      proOptions={{ hideAttribution: true }}
      aria-label="Run graph"
    >
      <Background gap={16} />
      <Controls showInteractive={false} />
      {patched && (
        <Panel position="top-left" className="canvas-legend" aria-label="Legend">
          <span className="legend-added" aria-hidden="true" /> added or changed by a patch (see the
          Patches tab)
        </Panel>
      )}
    </ReactFlow>
  );
}
