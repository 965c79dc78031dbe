import type { EdgeSpec, NodeSpec, WorkflowDefinition } from "./definition";

export interface NodeChange {
  id: string;
  /** Top-level fields of the node that differ: type, name, config, retry, timeoutMs, expressionTimeoutMs, join. */
  fields: string[];
}

export interface WorkflowDiff {
  nodes: { added: string[]; removed: string[]; changed: NodeChange[] };
  edges: { added: EdgeSpec[]; removed: EdgeSpec[] };
  /** Other top-level fields that differ (name, description); layout (`ui`) is ignored. */
  fields: string[];
}

const edgeKey = (e: EdgeSpec) =>
  `${e.from}\u0000${e.to}\u0000${e.on ?? ""}\u0000${e.loop?.maxIterations ?? ""}`;
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Structural difference between two versions of a workflow, by node id and edge identity.
 * @example
 * diffWorkflows(v1, v2).nodes.added; // ["notify"]
 */
export function diffWorkflows(before: WorkflowDefinition, after: WorkflowDefinition): WorkflowDiff {
  const a = new Map(before.nodes.map((n) => [n.id, n]));
  const b = new Map(after.nodes.map((n) => [n.id, n]));
  const changed: NodeChange[] = [];
  for (const [id, node] of b) {
    const old = a.get(id);
    if (!old) continue;
    const fields = (
      ["type", "name", "config", "retry", "timeoutMs", "expressionTimeoutMs", "join"] as const
    ).filter((f: keyof NodeSpec) => !same(old[f], node[f]));
    if (fields.length > 0) changed.push({ id, fields });
  }
  const ea = new Map(before.edges.map((e) => [edgeKey(e), e]));
  const eb = new Map(after.edges.map((e) => [edgeKey(e), e]));
  return {
    nodes: {
      added: [...b.keys()].filter((id) => !a.has(id)),
      removed: [...a.keys()].filter((id) => !b.has(id)),
      changed,
    },
    edges: {
      added: [...eb].filter(([k]) => !ea.has(k)).map(([, e]) => e),
      removed: [...ea].filter(([k]) => !eb.has(k)).map(([, e]) => e),
    },
    fields: (["name", "description"] as const).filter((f) => !same(before[f], after[f])),
  };
}
