import type { PatchOp } from "../../../core/patches/ops";
import type { EdgeSpec, WorkflowDefinitionInput } from "../../../core/workflow/definition";
import { type Canvas, edgeId, toCanvas } from "../builder/convert";
import { LEVEL_GAP, layeredLayout, ROW_GAP } from "../builder/layout";
import { SUCCESS_PORT } from "../flow/ports";

type NodeInput = WorkflowDefinitionInput["nodes"][number];
type Position = { x: number; y: number };

/** What the graph needs of a patch record (`RunView.patches[]`). */
export interface PatchLike {
  id: number;
  status: string;
  ops: readonly PatchOp[];
}

/** Where the patched parts of a run's graph came from. */
export interface Provenance {
  /** Node id → the applied patch that added it. */
  addedNodes: Map<string, number>;
  /** Node id → the applied patches that changed it (`update_node`), in order. */
  changedNodes: Map<string, number[]>;
  /** Edge id (`edgeId(from, on, to)`) → the applied patch that added it. */
  addedEdges: Map<string, number>;
  /** Edges a patch removed (drawn faded, for the record). */
  removedEdges: (EdgeSpec & { by: number })[];
}

export interface PatchedGraph {
  /** The graph the run executes: the version's definition plus the applied patches, in order. */
  definition: WorkflowDefinitionInput;
  provenance: Provenance;
  /**
   * Ops that did not apply here (the server accepted them, so this means the version shown is
   * not the run's base): reported rather than hidden.
   */
  skipped: { patch: number; op: number; why: string }[];
}

const sameEdge = (e: EdgeSpec, op: { from: string; to: string; on?: string | undefined }) =>
  e.from === op.from && e.to === op.to && (e.on ?? undefined) === (op.on ?? undefined);

/**
 * The materialised graph of a run: the applied patches' ops replayed, in patch order, over the
 * version's definition, and which patch added or changed each node and edge. The server has
 * validated every applied patch, so this only replays (no validation, no run limits: a server
 * with raised limits must not be second-guessed here); an op that does not fit is reported in
 * `skipped`. Positions: see `placeNodes`.
 * @example
 * patchedGraph(definition, view.patches).provenance.addedNodes.get("lookup") // 1
 */
export function patchedGraph(
  base: WorkflowDefinitionInput,
  patches: readonly PatchLike[],
): PatchedGraph {
  const nodes: NodeInput[] = base.nodes.map((n) => ({ ...n }));
  const edges: EdgeSpec[] = (base.edges ?? []).map((e) => ({ ...e }));
  const provenance: Provenance = {
    addedNodes: new Map(),
    changedNodes: new Map(),
    addedEdges: new Map(),
    removedEdges: [],
  };
  const skipped: PatchedGraph["skipped"] = [];
  const applied = patches.filter((p) => p.status === "applied").sort((a, b) => a.id - b.id);
  for (const patch of applied) {
    for (const [i, op] of patch.ops.entries()) {
      const skip = (why: string) => {
        skipped.push({ patch: patch.id, op: i, why });
      };
      switch (op.op) {
        case "add_node":
          if (nodes.some((n) => n.id === op.node.id)) {
            skip(`node ${op.node.id} exists`);
            continue;
          }
          nodes.push({ ...op.node });
          provenance.addedNodes.set(op.node.id, patch.id);
          continue;
        case "add_edge": {
          const e = op.edge;
          if (!nodes.some((n) => n.id === e.from) || !nodes.some((n) => n.id === e.to)) {
            skip(`edge ${e.from} → ${e.to} has an unknown end`);
            continue;
          }
          edges.push({ ...e });
          provenance.addedEdges.set(edgeId(e.from, e.on, e.to), patch.id);
          provenance.removedEdges = provenance.removedEdges.filter((r) => !sameEdge(r, e));
          continue;
        }
        case "remove_edge": {
          const j = edges.findIndex((e) => sameEdge(e, op));
          if (j < 0) {
            skip(`no edge ${op.from} → ${op.to} to remove`);
            continue;
          }
          const [gone] = edges.splice(j, 1);
          provenance.addedEdges.delete(edgeId(gone!.from, gone!.on, gone!.to));
          provenance.removedEdges.push({ ...gone!, by: patch.id });
          continue;
        }
        case "update_node": {
          const k = nodes.findIndex((n) => n.id === op.id);
          if (k < 0) {
            skip(`no node ${op.id} to update`);
            continue;
          }
          const next: NodeInput = { ...nodes[k]! };
          if (op.config !== undefined) next.config = op.config;
          if (op.retry !== undefined) next.retry = op.retry;
          if (op.timeoutMs !== undefined) next.timeoutMs = op.timeoutMs;
          if (op.name !== undefined) next.name = op.name;
          nodes[k] = next;
          provenance.changedNodes.set(op.id, [
            ...(provenance.changedNodes.get(op.id) ?? []),
            patch.id,
          ]);
          continue;
        }
      }
    }
  }
  const definition: WorkflowDefinitionInput = { ...base, nodes, edges };
  const positions = placeNodes(base, definition, [...provenance.addedNodes.keys()]);
  definition.ui = { ...base.ui, positions };
  return { definition, provenance, skipped };
}

/** Closer than this to another node (in both axes) counts as overlapping. */
const NODE_WIDTH = 200;

/**
 * Positions for every node of the materialised graph. A version laid out by hand (every base
 * node in `ui.positions`) keeps its layout and each added node goes one level right of its
 * predecessors (or left of its successors), moved down a row until it overlaps nothing. A
 * version without saved positions is laid out whole, added nodes included, like the builder's
 * auto-layout (with long edges kept clear once patches added nodes).
 */
export function placeNodes(
  base: WorkflowDefinitionInput,
  materialised: WorkflowDefinitionInput,
  added: readonly string[],
): Record<string, Position> {
  const saved = base.ui?.positions ?? {};
  const edges = materialised.edges ?? [];
  const handPlaced = base.nodes.length > 0 && base.nodes.every((n) => saved[n.id] !== undefined);
  if (!handPlaced) {
    const ids = materialised.nodes.map((n) => n.id);
    const computed =
      added.length === 0 ? layeredLayout(ids, edges) : layoutWithLongEdges(ids, edges);
    return { ...computed, ...pick(saved, base.nodes) };
  }
  const placed: Record<string, Position> = pick(saved, base.nodes);
  const forward = edges.filter((e) => !e.loop);
  for (const id of added) {
    const preds = forward.filter((e) => e.to === id && placed[e.from]).map((e) => placed[e.from]!);
    const succs = forward.filter((e) => e.from === id && placed[e.to]).map((e) => placed[e.to]!);
    const all = Object.values(placed);
    let at: Position;
    if (preds.length > 0) {
      at = { x: Math.max(...preds.map((p) => p.x)) + LEVEL_GAP, y: mean(preds.map((p) => p.y)) };
    } else if (succs.length > 0) {
      at = { x: Math.min(...succs.map((p) => p.x)) - LEVEL_GAP, y: mean(succs.map((p) => p.y)) };
    } else {
      at = { x: Math.max(0, ...all.map((p) => p.x)) + LEVEL_GAP, y: 0 };
    }
    while (all.some((p) => Math.abs(p.x - at.x) < NODE_WIDTH && Math.abs(p.y - at.y) < ROW_GAP)) {
      at = { x: at.x, y: at.y + ROW_GAP };
    }
    placed[id] = { x: Math.round(at.x), y: Math.round(at.y) };
  }
  return placed;
}

/**
 * The layered layout with each edge that spans several levels routed through placeholders, one
 * per level it crosses, which take a row there: so an added node does not land on (and hide) an
 * edge that now skips over it, like `triage → done` once a patch put nodes between them.
 */
function layoutWithLongEdges(
  ids: readonly string[],
  edges: readonly { from: string; to: string; loop?: unknown }[],
): Record<string, Position> {
  const level = levels(ids, edges);
  const allIds = [...ids];
  const routed: { from: string; to: string; loop?: unknown }[] = [];
  edges.forEach((e, i) => {
    const from = level.get(e.from);
    const to = level.get(e.to);
    if (e.loop || from === undefined || to === undefined || to - from < 2) {
      routed.push(e);
      return;
    }
    let prev = e.from;
    for (let l = from + 1; l < to; l++) {
      const via = `\u0000edge${i}:${l}`;
      allIds.push(via);
      routed.push({ from: prev, to: via });
      prev = via;
    }
    routed.push({ from: prev, to: e.to });
  });
  const placed = layeredLayout(allIds, routed);
  const out: Record<string, Position> = {};
  for (const id of ids) out[id] = placed[id]!;
  return out;
}

/** Longest distance from a source over forward edges, like `layeredLayout` (cycles left out). */
function levels(
  ids: readonly string[],
  edges: readonly { from: string; to: string; loop?: unknown }[],
): Map<string, number> {
  const known = new Set(ids);
  const forward = edges.filter((e) => !e.loop && known.has(e.from) && known.has(e.to));
  const indegree = new Map(ids.map((id) => [id, 0]));
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of forward) {
    indegree.set(e.to, indegree.get(e.to)! + 1);
    out.get(e.from)!.push(e.to);
  }
  const level = new Map<string, number>();
  const queue = ids.filter((id) => indegree.get(id) === 0);
  for (const id of queue) level.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    for (const to of out.get(id)!) {
      level.set(to, Math.max(level.get(to) ?? 0, level.get(id)! + 1));
      const left = indegree.get(to)! - 1;
      indegree.set(to, left);
      if (left === 0) queue.push(to);
    }
  }
  return level;
}

function pick(
  saved: Record<string, Position>,
  nodes: readonly { id: string }[],
): Record<string, Position> {
  const out: Record<string, Position> = {};
  for (const n of nodes) if (saved[n.id]) out[n.id] = saved[n.id]!;
  return out;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * One op in words, for the patch list.
 * @example
 * describeOp({ op: "add_edge", edge: { from: "a", to: "b" } }) // "add edge a → b"
 */
export function describeOp(op: PatchOp): string {
  switch (op.op) {
    case "add_node":
      return `add node ${op.node.id} (${op.node.type})`;
    case "add_edge":
      return `add edge ${op.edge.from} → ${op.edge.to}${op.edge.on ? ` on ${op.edge.on}` : ""}`;
    case "remove_edge":
      return `remove edge ${op.from} → ${op.to}${op.on ? ` on ${op.on}` : ""}`;
    case "update_node": {
      const what = [
        op.config !== undefined ? "config" : null,
        op.retry !== undefined ? "retry" : null,
        op.timeoutMs !== undefined ? "timeout" : null,
        op.name !== undefined ? "name" : null,
      ].filter(Boolean);
      return `change node ${op.id} (${what.join(", ")})`;
    }
  }
}

/**
 * The run's canvas: the materialised graph, each node and edge a patch added or changed marked
 * with the patch's id (`data.addedBy`, `data.changedBy`), and edges patches removed kept,
 * faded, with `data.removedBy`.
 */
export function runCanvas(
  base: WorkflowDefinitionInput,
  patches: readonly PatchLike[],
  titles: ReadonlyMap<string, string>,
): Canvas & { skipped: PatchedGraph["skipped"] } {
  const { definition, provenance, skipped } = patchedGraph(base, patches);
  const canvas = toCanvas(definition, titles);
  const nodes = canvas.nodes.map((n) => {
    const addedBy = provenance.addedNodes.get(n.id);
    const changedBy = provenance.changedNodes.get(n.id);
    if (addedBy === undefined && changedBy === undefined) return n;
    const data = { ...n.data };
    if (addedBy !== undefined) data.addedBy = addedBy;
    if (changedBy !== undefined) data.changedBy = changedBy;
    return { ...n, data };
  });
  const edges = canvas.edges.map((e) => {
    const addedBy = provenance.addedEdges.get(e.id);
    return addedBy === undefined ? e : { ...e, data: { ...e.data, addedBy } };
  });
  const ids = new Set(nodes.map((n) => n.id));
  for (const r of provenance.removedEdges) {
    if (!ids.has(r.from) || !ids.has(r.to)) continue;
    edges.push({
      id: `removed:${edgeId(r.from, r.on, r.to)}`,
      source: r.from,
      target: r.to,
      sourceHandle: r.on ?? SUCCESS_PORT,
      targetHandle: "in",
      data: { removedBy: r.by },
    });
  }
  return { ...canvas, nodes, edges, skipped };
}
