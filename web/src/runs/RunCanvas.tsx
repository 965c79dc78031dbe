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
import { NODE_H, NODE_W, scaleProps, withGeometry } from "../flow/scale";
import { useVisibleEdges } from "../flow/visible-edges";
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
  const scale = useMemo(() => scaleProps(canvas.nodes), [canvas.nodes]);
  const big = scale.onlyRenderVisibleElements === true;
  // A big graph's nodes carry their size and handles (scale.ts), computed once per graph.
  const placed = useMemo(
    () => (big ? canvas.nodes.map(withGeometry) : canvas.nodes),
    [canvas.nodes, big],
  );
  const [nodes, setNodes, onNodesChange] = useNodesState<CanvasNode>(placed);
  const { fitView, getZoom, setCenter } = useReactFlow();
  // A node selected elsewhere (the event log, an approval) is brought into view, readable; one
  // clicked here is already in view.
  const clicked = useRef<string | null>(null);
  const centred = useRef<string | null>(null);
  useEffect(() => {
    if (selected === centred.current) return;
    centred.current = selected;
    if (!selected || selected === clicked.current) return;
    const target = placed.find((n) => n.id === selected);
    if (!target) return;
    const zoom = Math.max(getZoom(), 0.8);
    void setCenter(target.position.x + NODE_W / 2, target.position.y + NODE_H / 2, {
      zoom,
      duration: 300,
    });
  }, [selected, placed, getZoom, setCenter]);
  const shownIds = useRef(canvas.nodes.map((n) => n.id).join(" "));
  const shownGraph = useRef(placed);
  useEffect(() => {
    // A new graph (a patch) rebuilds every node; a status change replaces only the nodes whose
    // status, attempt or selection moved, so React Flow re-processes just those.
    const fresh = shownGraph.current !== placed;
    shownGraph.current = placed;
    setNodes((current) => {
      const byId = new Map(current.map((n) => [n.id, n]));
      return placed.map((n) => {
        const state = live.nodes[n.id];
        const status = state?.status ?? "pending";
        const attempt = state?.attempt ?? 0;
        const isSelected = n.id === selected;
        const base = byId.get(n.id);
        if (
          !fresh &&
          base &&
          base.data.status === status &&
          base.data.attempt === attempt &&
          (base.selected ?? false) === isSelected
        ) {
          return base;
        }
        return {
          ...(base ?? n),
          // A patch can reflow a graph laid out automatically: the canvas decides positions.
          position: n.position,
          selected: isSelected,
          data: { ...n.data, status, attempt },
        };
      });
    });
  }, [placed, live, selected, setNodes]);
  useEffect(() => {
    const ids = canvas.nodes.map((n) => n.id).join(" ");
    if (ids === shownIds.current) return;
    shownIds.current = ids;
    // Queued by React Flow until the new nodes are measured.
    void fitView({ ...scale.fitViewOptions, duration: 200 });
  }, [canvas, fitView, scale.fitViewOptions]);
  const patched = useMemo(
    () =>
      canvas.nodes.some((n) => n.data.addedBy !== undefined || (n.data.changedBy?.length ?? 0) > 0),
    [canvas.nodes],
  );
  // Each edge's look is kept while it does not change, so a status change redraws few edges.
  const looks = useRef({
    of: canvas.edges,
    views: new Map<string, { key: string; view: CanvasEdge }>(),
  });
  const edges = useMemo(() => {
    const previous = looks.current.of === canvas.edges ? looks.current.views : new Map();
    const next = new Map<string, { key: string; view: CanvasEdge }>();
    const views = canvas.edges.map((e) => {
      if (e.data?.removedBy !== undefined) return edgeView(e);
      const taken = edgeFired(e.sourceHandle ?? SUCCESS_PORT, live.nodes[e.source]);
      const animated = taken && live.nodes[e.target]?.status === "running";
      const key = `${taken}:${animated}`;
      const kept = previous.get(e.id);
      const view = kept && kept.key === key ? kept.view : edgeView(e, { taken, animated });
      next.set(e.id, { key, view });
      return view;
    });
    looks.current = { of: canvas.edges, views: next };
    return views;
  }, [canvas.edges, live]);
  const shownEdges = useVisibleEdges(edges, placed, big, selected);
  const onNodeClick: NodeMouseHandler<CanvasNode> = (_, node) => {
    clicked.current = node.id;
    onSelect(node.id);
  };
  const onNodeContextMenu: NodeMouseHandler<CanvasNode> = (event, node) => {
    event.preventDefault();
    const pane = (event.currentTarget as HTMLElement).closest(".run-view")?.getBoundingClientRect();
    onMenu({
      nodeId: node.id,
      x: event.clientX - (pane?.left ?? 0),
      y: event.clientY - (pane?.top ?? 0),
    });
  };
  return (
    <ReactFlow<CanvasNode, CanvasEdge>
      nodes={nodes}
      edges={shownEdges}
      nodeTypes={nodeTypes}
      onNodesChange={(changes) => {
        // Keyboard selection (Enter on a focused node) arrives as a change, not a click.
        for (const c of changes) {
          if (c.type !== "select" || !c.selected) continue;
          clicked.current = c.id;
          onSelect(c.id);
        }
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
      fitViewOptions={scale.fitViewOptions}
      minZoom={scale.minZoom}
      onlyRenderVisibleElements={scale.onlyRenderVisibleElements}
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
