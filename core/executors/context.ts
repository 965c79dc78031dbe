/** The document expressions see: `{ input, nodes: { <id>: { output, status } }, run, item?, index? }`. */
export interface RunContext {
  input: unknown;
  /** `output` is absent until the node has produced one (so `$exists(nodes.x.output)` works). */
  nodes: Record<string, { output?: unknown; status: string }>;
  run: { id: string; startedAt: string; workflowId: string; version: number };
  item?: unknown;
  index?: number;
}
