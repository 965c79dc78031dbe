import type { VersionInfo } from "../api/types";
import type { KindCatalog } from "../api/use-node-types";
import {
  connect,
  type Doc,
  idProblem,
  removeElements,
  renameNode,
  setConfigField,
  setEdgePort,
  updateEdge,
  updateNode,
} from "./doc";
import { EdgeInspector } from "./EdgeInspector";
import { NodeInspector } from "./NodeInspector";
import type { Validation } from "./use-validation";
import { type Saved, WorkflowPanel } from "./WorkflowPanel";

export interface InspectorProps {
  doc: Doc;
  catalog: KindCatalog;
  validation: Validation;
  saved: Saved | null;
  versions: { data: VersionInfo[] | null; error: string | null };
  edit(fn: (doc: Doc) => Doc, key?: string): void;
}

/** The right panel: the one selected node, else the one selected edge, else the workflow. */
export function Inspector({ doc, catalog, validation, saved, versions, edit }: InspectorProps) {
  const nodes = doc.nodes.filter((n) => n.selected);
  const edges = doc.edges.filter((e) => e.selected);
  const node = nodes.length === 1 ? nodes[0] : undefined;
  const edge = nodes.length === 0 && edges.length === 1 ? edges[0] : undefined;
  if (node) {
    return (
      <NodeInspector
        key={node.id}
        node={node}
        kind={catalog.byType.get(node.data.kind)}
        nodes={doc.nodes}
        edges={doc.edges}
        issues={validation.issues.nodes[node.id] ?? []}
        onConfig={(field, value) =>
          edit((d) => setConfigField(d, node.id, field, value), `cfg:${node.id}:${field}`)
        }
        onData={(patch, key) => edit((d) => updateNode(d, node.id, patch), key)}
        onRename={(next) => {
          const problem = idProblem(doc, node.id, next);
          if (!problem) edit((d) => renameNode(d, node.id, next));
          return problem;
        }}
        onConnect={(port, target) => edit((d) => connect(d, node.id, port, target))}
        onDisconnect={(id) => edit((d) => removeElements(d, [], [id]))}
        onDelete={() => edit((d) => removeElements(d, [node.id], []))}
      />
    );
  }
  if (edge) {
    return (
      <EdgeInspector
        key={edge.id}
        edge={edge}
        source={doc.nodes.find((n) => n.id === edge.source)}
        issues={validation.issues.edges[edge.id] ?? []}
        onPort={(port) => edit((d) => setEdgePort(d, edge.id, port))}
        onLoop={(loop) =>
          edit(
            (d) =>
              updateEdge(d, edge.id, (e) => {
                const data = { ...e.data };
                if (loop) data.loop = loop;
                else delete data.loop;
                return { ...e, data };
              }),
            `loop:${edge.id}`,
          )
        }
        onDelete={() => edit((d) => removeElements(d, [], [edge.id]))}
      />
    );
  }
  return (
    <WorkflowPanel
      meta={doc.meta}
      onMeta={(patch, key) => edit((d) => ({ ...d, meta: { ...d.meta, ...patch } }), key)}
      validation={validation}
      saved={saved}
      versions={versions.data}
      versionsError={versions.error}
    />
  );
}
