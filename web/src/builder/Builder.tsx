import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  type Connection,
  Controls,
  type EdgeChange,
  MiniMap,
  type NodeChange,
  ReactFlow,
  useReactFlow,
} from "@xyflow/react";
import { type DragEvent, useCallback, useMemo, useReducer, useState } from "react";
import { everyPage } from "../../../core/wire/cursor";
import { call } from "../api/client";
import { useSession } from "../api/session";
import type { KindCatalog } from "../api/use-node-types";
import { edgeView } from "../flow/edge-view";
import type { CanvasEdge, CanvasNode } from "../flow/node-data";
import { nodeTypes } from "../flow/node-types";
import { scaleProps, withGeometry } from "../flow/scale";
import { useVisibleEdges } from "../flow/visible-edges";
import { StartRunDialog } from "../runs/StartRunDialog";
import { useAsync } from "../ui/use-async";
import { canvasNode, definitionOrder, toCanvas, toDefinition } from "./convert";
import {
  addNode,
  autoLayout,
  connect,
  type Doc,
  docReducer,
  removeElements,
  selectOnly,
} from "./doc";
import { downloadDefinition } from "./export";
import { ImportDialog } from "./ImportDialog";
import { Inspector } from "./Inspector";
import { freeSpot, initialConfig, nextNodeId } from "./new-node";
import { KIND_MIME, Palette } from "./Palette";
import { Toolbar } from "./Toolbar";
import { useSave } from "./use-save";
import { useShortcuts } from "./use-shortcuts";
import { useValidation } from "./use-validation";
import type { Saved } from "./WorkflowPanel";

/** Half a node's size: a dropped node is centred on the pointer. */
const NODE_HALF = { x: 90, y: 30 };

export interface BuilderProps {
  catalog: KindCatalog;
  initial: Doc;
  saved: Saved | null;
  /** Called after a save, before the URL changes, so the page does not load it again. */
  onSaved(saved: Saved): void;
}

/** The workflow editor: palette, canvas, inspector, and the toolbar over them. */
export function Builder({ catalog, initial, saved, onSaved }: BuilderProps) {
  const { client } = useSession();
  const { screenToFlowPosition, fitView } = useReactFlow<CanvasNode, CanvasEdge>();
  const [{ doc, history }, dispatch] = useReducer(docReducer, {
    doc: initial,
    history: { past: [], future: [], lastKey: null },
  });
  const [dialog, setDialog] = useState<"import" | "run" | null>(null);

  const definition = useMemo(() => toDefinition(doc), [doc]);
  const order = useMemo(() => definitionOrder(doc), [doc]);
  const { save, busy, banner, dismiss, dirty } = useSave(definition, saved, onSaved);
  const validation = useValidation(definition, order);

  const versions = useAsync(
    async () =>
      saved
        ? await everyPage(async (cursor) => {
            const param = { id: saved.id };
            const query = { limit: "500", ...(cursor ? { cursor } : {}) };
            const page = await call(client.api.workflows[":id"].versions.$get({ param, query }));
            return { items: page.versions, nextCursor: page.nextCursor };
          })
        : [],
    [client, saved?.id, saved?.latestVersion],
  );

  // The canvas with validation problems and edge labels drawn in.
  // Recomputed when nodes come or go, not when one moves.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the node count stands for the nodes.
  const scale = useMemo(() => scaleProps(doc.nodes), [doc.nodes.length]);
  const big = scale.onlyRenderVisibleElements === true;
  const shownNodes = useMemo(
    () =>
      doc.nodes.map((n) => {
        const issues = validation.issues.nodes[n.id];
        const shown =
          issues || n.data.issues ? { ...n, data: { ...n.data, issues: issues ?? [] } } : n;
        return big ? withGeometry(shown) : shown;
      }),
    [doc.nodes, validation.issues, big],
  );
  const edgeViews = useMemo(
    () => doc.edges.map((e) => edgeView(e, { issues: validation.issues.edges[e.id] ?? [] })),
    [doc.edges, validation.issues],
  );
  // A big graph draws the edges near the view and the selected node's (as the run view does).
  const selectedId = useMemo(() => doc.nodes.find((n) => n.selected)?.id ?? null, [doc.nodes]);
  const shownEdges = useVisibleEdges(edgeViews, doc.nodes, big, selectedId);

  const edit = useCallback((fn: (d: Doc) => Doc, key?: string) => {
    dispatch(key === undefined ? { type: "edit", edit: fn } : { type: "edit", edit: fn, key });
  }, []);

  const onNodesChange = useCallback((changes: NodeChange<CanvasNode>[]) => {
    // Removals are undo steps (onBeforeDelete recorded one); the rest is view state.
    // A removed node goes with all its edges: a big graph hands React Flow only the edges in view.
    const removed = changes.flatMap((c) => (c.type === "remove" ? [c.id] : []));
    dispatch({
      type: "view",
      edit: (d) => removeElements({ ...d, nodes: applyNodeChanges(changes, d.nodes) }, removed, []),
    });
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange<CanvasEdge>[]) => {
    dispatch({ type: "view", edit: (d) => ({ ...d, edges: applyEdgeChanges(changes, d.edges) }) });
  }, []);
  const onBeforeDelete = useCallback(async () => {
    dispatch({ type: "checkpoint" });
    return true;
  }, []);
  const onConnect = useCallback(
    (c: Connection) => edit((d) => connect(d, c.source, c.sourceHandle ?? "success", c.target)),
    [edit],
  );
  const isValidConnection = useCallback((c: Connection | CanvasEdge) => c.source !== c.target, []);

  const add = useCallback(
    (type: string, position: { x: number; y: number }) => {
      const kind = catalog.byType.get(type);
      if (!kind || kind.status === "coming_soon") return;
      edit((d) => {
        const id = nextNodeId(type, new Set(d.nodes.map((n) => n.id)));
        return addNode(
          d,
          canvasNode({ id, type, config: initialConfig(kind.configSchema) }, position, kind.title),
        );
      });
    },
    [catalog, edit],
  );
  const addAtCentre = useCallback(
    (type: string) => {
      const pane = document.querySelector(".builder-canvas")?.getBoundingClientRect();
      const centre = pane
        ? screenToFlowPosition({ x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 })
        : { x: 0, y: 0 };
      const wanted = { x: centre.x - NODE_HALF.x, y: centre.y - NODE_HALF.y };
      add(
        type,
        freeSpot(
          wanted,
          doc.nodes.map((n) => n.position),
        ),
      );
    },
    [add, doc.nodes, screenToFlowPosition],
  );
  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(KIND_MIME)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
    }
  }, []);
  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(KIND_MIME);
      if (!type) return;
      e.preventDefault();
      const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
      add(type, { x: p.x - NODE_HALF.x, y: p.y - NODE_HALF.y });
    },
    [add, screenToFlowPosition],
  );

  const layout = useCallback(() => {
    edit(autoLayout);
    window.requestAnimationFrame(() => void fitView({ ...scale.fitViewOptions, duration: 200 }));
  }, [edit, fitView, scale.fitViewOptions]);

  useShortcuts({
    save: () => void save(),
    undo: useCallback(() => dispatch({ type: "undo" }), []),
    redo: useCallback(() => dispatch({ type: "redo" }), []),
  });

  const startNode = doc.nodes.find((n) => n.data.kind === "start");

  return (
    <div className="builder">
      <Toolbar
        meta={doc.meta}
        onName={(name) => edit((d) => ({ ...d, meta: { ...d.meta, name } }), "name")}
        saved={saved}
        dirty={dirty}
        validation={validation}
        canUndo={history.past.length > 0}
        canRedo={history.future.length > 0}
        empty={doc.nodes.length === 0}
        busy={busy}
        onUndo={() => dispatch({ type: "undo" })}
        onRedo={() => dispatch({ type: "redo" })}
        onLayout={layout}
        onImport={() => setDialog("import")}
        onExport={() => downloadDefinition(definition)}
        onSave={() => void save()}
        onRun={() => setDialog("run")}
      />
      {banner && (
        <div
          className={`banner banner-${banner.kind}`}
          role={banner.kind === "error" ? "alert" : "status"}
        >
          {banner.text}
          <button type="button" className="icon" aria-label="Dismiss" onClick={dismiss}>
            ×
          </button>
        </div>
      )}
      {saved && saved.version !== saved.latestVersion && (
        <div className="banner banner-info" role="status">
          You are looking at version {saved.version} of {saved.latestVersion}. Saving makes it
          version {saved.latestVersion + 1}.
        </div>
      )}
      <div className="builder-main">
        <Palette kinds={catalog.list} onAdd={addAtCentre} />
        {/* biome-ignore lint/a11y/noStaticElementInteractions: the drop target of the palette's drag; without a pointer, Enter on a palette item adds the node. */}
        <div className="builder-canvas" onDragOver={onDragOver} onDrop={onDrop}>
          <ReactFlow<CanvasNode, CanvasEdge>
            nodes={shownNodes}
            edges={shownEdges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onBeforeDelete={onBeforeDelete}
            onNodeDragStart={() => dispatch({ type: "checkpoint" })}
            onPaneClick={() => dispatch({ type: "view", edit: (d) => selectOnly(d, null) })}
            isValidConnection={isValidConnection}
            deleteKeyCode={["Backspace", "Delete"]}
            // Only a loaded graph is fitted: fitting an empty canvas would jump at the first drop.
            fitView={initial.nodes.length > 0}
            fitViewOptions={scale.fitViewOptions}
            minZoom={scale.minZoom}
            onlyRenderVisibleElements={scale.onlyRenderVisibleElements}
            proOptions={{ hideAttribution: true }}
            aria-label="Workflow canvas"
          >
            <Background gap={16} />
            <Controls />
            {/* A minimap draws every node on each pan: left out for a big graph. */}
            {!big && <MiniMap pannable zoomable />}
          </ReactFlow>
          {doc.nodes.length === 0 && (
            <div className="canvas-empty">
              <strong>An empty workflow</strong>
              <p>
                Drag <em>Start</em> from the palette onto the canvas (or focus it and press Enter),
                then add steps and connect a port on the right of a node to the left of the next.
              </p>
              <p>
                Or{" "}
                <button type="button" className="linkish" onClick={() => setDialog("import")}>
                  import a JSON definition
                </button>
                .
              </p>
            </div>
          )}
        </div>
        <aside className="inspector" aria-label="Inspector">
          <Inspector
            doc={doc}
            catalog={catalog}
            validation={validation}
            saved={saved}
            versions={versions}
            edit={edit}
          />
        </aside>
      </div>
      {dialog === "import" && (
        <ImportDialog
          onClose={() => setDialog(null)}
          onImport={(imported) => {
            const canvas = toCanvas(imported, catalog.titles);
            edit(() => canvas);
            setDialog(null);
            window.requestAnimationFrame(() => void fitView(scale.fitViewOptions));
          }}
        />
      )}
      {dialog === "run" && saved && (
        <StartRunDialog
          workflowId={saved.id}
          version={saved.version}
          inputSchema={startNode?.data.config.inputSchema}
          onClose={() => setDialog(null)}
        />
      )}
    </div>
  );
}
