import {
  Background,
  Controls,
  type NodeMouseHandler,
  ReactFlow,
  useNodesState,
} from "@xyflow/react";
import { useEffect, useMemo } from "react";
import { edgeView } from "../flow/edge-view";
import type { CanvasEdge, CanvasNode } from "../flow/node-data";
import { nodeTypes } from "../flow/node-types";
import { SUCCESS_PORT } from "../flow/ports";
import { edgeFired, type LiveRun } from "./run-state";

/** The run's workflow graph, read-only, each node coloured by its live status. */
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
  useEffect(() => {
    setNodes((current) => {
      const byId = new Map(current.map((n) => [n.id, n]));
      return canvas.nodes.map((n) => {
        const state = live.nodes[n.id];
        const base = byId.get(n.id) ?? n;
        return {
          ...base,
          selected: n.id === selected,
          data: { ...n.data, status: state?.status ?? "pending", attempt: state?.attempt ?? 0 },
        };
      });
    });
  }, [canvas, live, selected, setNodes]);
  const edges = useMemo(
    () =>
      canvas.edges.map((e) => {
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
    </ReactFlow>
  );
}
