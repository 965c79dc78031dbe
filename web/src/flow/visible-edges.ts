import { useStore } from "@xyflow/react";
import { useMemo } from "react";
import type { CanvasEdge, CanvasNode } from "./node-data";
import { NODE_H, NODE_W } from "./scale";

/**
 * The edges a big graph draws: those whose two ends lie in view or within half a screen of it, and
 * every edge of the selected node. React Flow's own culling keeps an edge whose line crosses the
 * view, so a node fanning out to 10,000 others drew all 10,000 lines at any zoom (76,000 DOM
 * elements, 0.6 s per zoom step: docs/BENCHMARKS.md, "Session 8"). The view is read in cells of
 * a screen, so panning re-filters when it crosses a cell, not on every frame.
 */
export function useVisibleEdges(
  edges: CanvasEdge[],
  nodes: readonly CanvasNode[],
  big: boolean,
  selected: string | null,
): CanvasEdge[] {
  const cell = useStore((s) => {
    if (!big) return "";
    const [x, y, zoom] = s.transform;
    const w = s.width / zoom;
    const h = s.height / zoom;
    // The view's top-left in flow units, in steps of half a screen; and the screen's size.
    return `${Math.floor(-x / zoom / (w / 2))}:${Math.floor(-y / zoom / (h / 2))}:${Math.round(w)}:${Math.round(h)}`;
  });
  const at = useMemo(() => new Map(nodes.map((n) => [n.id, n.position])), [nodes]);
  return useMemo(() => {
    if (!big || cell === "") return edges;
    const [cx, cy, w, h] = cell.split(":").map(Number) as [number, number, number, number];
    // Half a screen around the view, wherever in its cell the view starts.
    const left = (cx * w) / 2 - w / 2 - NODE_W;
    const top = (cy * h) / 2 - h / 2 - NODE_H;
    const right = left + 2.5 * w + 2 * NODE_W;
    const bottom = top + 2.5 * h + 2 * NODE_H;
    const inside = (id: string) => {
      const p = at.get(id);
      return p !== undefined && p.x >= left && p.x <= right && p.y >= top && p.y <= bottom;
    };
    return edges.filter(
      (e) =>
        e.source === selected || e.target === selected || (inside(e.source) && inside(e.target)),
    );
  }, [edges, at, big, cell, selected]);
}
