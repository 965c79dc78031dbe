import type { CanvasEdge, CanvasNode, StepData } from "../flow/node-data";
import { type Canvas, edgeId } from "./convert";
import { emptyHistory, type History, record, redo, undo } from "./history";
import { layeredLayout } from "./layout";
import { NODE_ID_PATTERN } from "./new-node";

/** What the builder edits: the workflow's fields and its canvas. */
export type Doc = Canvas;

export interface DocState {
  doc: Doc;
  history: History<Doc>;
}

export type DocAction =
  /** A change the user can undo; edits with the same `key` (typing in one field) merge. */
  | { type: "edit"; edit: (doc: Doc) => Doc; key?: string }
  /** View state that is not an undo step: selection, measured sizes, positions mid-drag. */
  | { type: "view"; edit: (doc: Doc) => Doc }
  /** Marks an undo step now, for a change that arrives as many view updates (a drag). */
  | { type: "checkpoint" }
  | { type: "undo" }
  | { type: "redo" }
  | { type: "load"; doc: Doc };

export function docReducer(state: DocState, action: DocAction): DocState {
  switch (action.type) {
    case "edit": {
      const doc = action.edit(state.doc);
      if (doc === state.doc) return state;
      return { doc, history: record(state.history, state.doc, action.key ?? null) };
    }
    case "view":
      return { ...state, doc: action.edit(state.doc) };
    case "checkpoint":
      return { ...state, history: record(state.history, state.doc) };
    case "undo": {
      const step = undo(state.history, state.doc);
      return step ? { doc: step.state, history: step.history } : state;
    }
    case "redo": {
      const step = redo(state.history, state.doc);
      return step ? { doc: step.state, history: step.history } : state;
    }
    case "load":
      return { doc: action.doc, history: emptyHistory() };
  }
}

/** Adds a node and makes it the only selected one (its form opens). */
export function addNode(doc: Doc, node: CanvasNode): Doc {
  return {
    ...doc,
    nodes: [
      ...doc.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
      { ...node, selected: true },
    ],
    edges: doc.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
  };
}

/** Connects a port to a node's input; a duplicate or a self-loop changes nothing. */
export function connect(doc: Doc, source: string, port: string, target: string): Doc {
  const id = edgeId(source, port, target);
  if (source === target || doc.edges.some((e) => e.id === id)) return doc;
  const edge: CanvasEdge = { id, source, target, sourceHandle: port, targetHandle: "in", data: {} };
  return { ...doc, edges: [...doc.edges, edge] };
}

/** Removes nodes (with their edges) and edges. */
export function removeElements(
  doc: Doc,
  nodeIds: readonly string[],
  edgeIds: readonly string[],
): Doc {
  const nodes = new Set(nodeIds);
  const edges = new Set(edgeIds);
  if (nodes.size === 0 && edges.size === 0) return doc;
  return {
    ...doc,
    nodes: doc.nodes.filter((n) => !nodes.has(n.id)),
    edges: doc.edges.filter(
      (e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target),
    ),
  };
}

/** Why a node id cannot be used, or null when it can. */
export function idProblem(doc: Doc, oldId: string, newId: string): string | null {
  if (!NODE_ID_PATTERN.test(newId)) {
    return "use a lowercase letter first, then a-z, 0-9 or _ (at most 63 characters)";
  }
  if (newId !== oldId && doc.nodes.some((n) => n.id === newId)) return `"${newId}" is taken`;
  return null;
}

/** Renames a node and re-points its edges. Expressions that name the old id are not rewritten. */
export function renameNode(doc: Doc, oldId: string, newId: string): Doc {
  if (oldId === newId || idProblem(doc, oldId, newId) !== null) return doc;
  const swap = (id: string) => (id === oldId ? newId : id);
  return {
    ...doc,
    nodes: doc.nodes.map((n) => (n.id === oldId ? { ...n, id: newId } : n)),
    edges: doc.edges.map((e) => {
      if (e.source !== oldId && e.target !== oldId) return e;
      const source = swap(e.source);
      const target = swap(e.target);
      return { ...e, id: edgeId(source, e.sourceHandle, target), source, target };
    }),
  };
}

export function updateNode(doc: Doc, id: string, patch: (data: StepData) => StepData): Doc {
  return {
    ...doc,
    nodes: doc.nodes.map((n) => (n.id === id ? { ...n, data: patch(n.data) } : n)),
  };
}

/** Sets or removes (`undefined`) one config field of a node. */
export function setConfigField(doc: Doc, id: string, field: string, value: unknown): Doc {
  return updateNode(doc, id, (data) => {
    const config = { ...data.config };
    if (value === undefined) delete config[field];
    else config[field] = value;
    return { ...data, config };
  });
}

export function updateEdge(doc: Doc, id: string, patch: (edge: CanvasEdge) => CanvasEdge): Doc {
  return { ...doc, edges: doc.edges.map((e) => (e.id === id ? patch(e) : e)) };
}

/** Moves an edge to another port of its source (its id follows). */
export function setEdgePort(doc: Doc, id: string, port: string): Doc {
  const edge = doc.edges.find((e) => e.id === id);
  if (!edge || edge.sourceHandle === port) return doc;
  const nextId = edgeId(edge.source, port, edge.target);
  if (doc.edges.some((e) => e.id === nextId)) return doc;
  return updateEdge(doc, id, (e) => ({ ...e, id: nextId, sourceHandle: port }));
}

/** Places every node by the layered layout. */
export function autoLayout(doc: Doc): Doc {
  const positions = layeredLayout(
    doc.nodes.map((n) => n.id),
    doc.edges.map((e) => ({ from: e.source, to: e.target, loop: e.data?.loop })),
  );
  return {
    ...doc,
    nodes: doc.nodes.map((n) => ({ ...n, position: positions[n.id] ?? n.position })),
  };
}

/** Selects exactly one node (or none), for keyboard users picking a node from a list. */
export function selectOnly(doc: Doc, nodeId: string | null): Doc {
  return {
    ...doc,
    nodes: doc.nodes.map((n) => {
      const selected = n.id === nodeId;
      return n.selected === selected ? n : { ...n, selected };
    }),
    edges: doc.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
  };
}
