import type { PatchInput } from "../../../core/patches/ops";
import { needsPortName, portsOf } from "../flow/ports";
import type { NodeStatus } from "../flow/status";

/** What the example needs of a node of the run's graph: its spec and its live state. */
export interface DraftNode {
  id: string;
  kind: string;
  config: Record<string, unknown>;
  status: NodeStatus;
}

const FINISHED: ReadonlySet<NodeStatus> = new Set(["succeeded", "failed", "skipped", "cancelled"]);
/** The frontier first: a node that is active now is what a person most likely wants to extend. */
const RANK: Partial<Record<NodeStatus, number>> = { waiting: 0, running: 1, queued: 2, pending: 3 };

/**
 * An example patch that fits the run: a transform node added after a node that has not finished
 * (the frontier first; the start node when everything has), fed by an edge on that node's first
 * outcome port when its kind names ports. The new id is free in the graph.
 * @example
 * exampleOps([{ id: "ask", kind: "approval", config: {}, status: "waiting" }])
 * // [{ op: "add_node", node: { id: "after_ask", type: "transform", … } },
 * //  { op: "add_edge", edge: { from: "ask", to: "after_ask", on: "approved" } }]
 */
export function exampleOps(nodes: readonly DraftNode[]): PatchInput["ops"] {
  const open = nodes
    .filter((n) => n.kind !== "end" && !FINISHED.has(n.status))
    .sort((a, b) => (RANK[a.status] ?? 9) - (RANK[b.status] ?? 9));
  const from = open[0] ?? nodes.find((n) => n.kind === "start") ?? nodes[0];
  if (!from) return [];
  const taken = new Set(nodes.map((n) => n.id));
  const stem = `after_${from.id}`.slice(0, 56);
  let id = stem;
  for (let k = 2; taken.has(id); k++) id = `${stem}_${k}`;
  const on = needsPortName(from.kind, from.config) ? portsOf(from.kind, from.config)[0] : undefined;
  return [
    {
      op: "add_node",
      node: {
        id,
        type: "transform",
        config: { expression: `{ 'after': '${from.id}', 'output': nodes.${from.id}.output }` },
      },
    },
    {
      op: "add_edge",
      edge: on === undefined ? { from: from.id, to: id } : { from: from.id, to: id, on },
    },
  ];
}

export type ParsedDraft = { ok: true; patch: PatchInput } | { ok: false; message: string };

/**
 * Reads the form: the ops text (a JSON array of ops, or a whole `{ ops, reason }` patch) and the
 * reason field, which wins over a pasted patch's reason when filled. Only the JSON is checked
 * here; the ops' shape is the server's to judge (400 with each problem's path).
 * @example
 * parseDraft('[{ "op": "remove_edge", "from": "a", "to": "b" }]', "") // { ok: true, patch: { ops: [...] } }
 */
export function parseDraft(text: string, reason: string): ParsedDraft {
  if (text.trim() === "")
    return { ok: false, message: "Write the ops: a JSON array of operations." };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `The ops are not valid JSON: ${(err as Error).message}` };
  }
  let ops: unknown = value;
  let pastedReason: unknown;
  if (typeof value === "object" && value !== null && !Array.isArray(value) && "ops" in value) {
    ops = value.ops;
    pastedReason = "reason" in value ? value.reason : undefined;
  }
  if (!Array.isArray(ops)) {
    return {
      ok: false,
      message: 'The ops must be a JSON array of operations, like [{ "op": "add_node", … }].',
    };
  }
  // The server checks every op (400 with paths like ops[0].node.type); the client only carries them.
  const patch: PatchInput = { ops: ops as PatchInput["ops"] };
  const why = reason.trim() !== "" ? reason.trim() : pastedReason;
  if (typeof why === "string" && why !== "") patch.reason = why;
  return { ok: true, patch };
}
