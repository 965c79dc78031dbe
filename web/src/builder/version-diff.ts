import { type JsonChange, jsonDiff } from "../compare/json-diff";

/** A node as a version defines it: the fields a version diff names. */
type NodeLike = { id: string } & Record<string, unknown>;

/** Changes listed at most per node. */
const MAX_FIELD_CHANGES = 50;

/**
 * What changed in the fields `fields` of a node between two versions, down to the config
 * field and value (`config.url`, `retry.maxAttempts`): the API's version diff names the
 * top-level fields, this says what in them.
 * @example
 * fieldChanges({ id: "a", config: { url: "x" } }, { id: "a", config: { url: "y" } }, ["config"]);
 * // [{ path: "config.url", kind: "changed", before: "x", after: "y" }]
 */
export function fieldChanges(
  before: NodeLike | undefined,
  after: NodeLike | undefined,
  fields: readonly string[],
): { changes: JsonChange[]; cut: boolean } {
  const pick = (node: NodeLike | undefined) =>
    Object.fromEntries(fields.flatMap((f) => (node?.[f] === undefined ? [] : [[f, node[f]]])));
  return jsonDiff(pick(before), pick(after), MAX_FIELD_CHANGES);
}

/**
 * An edge in words: `a → b`, with its port and loop.
 * @example
 * edgeText({ from: "ask", to: "yes", on: "approved" }); // "ask → yes (on approved)"
 */
export function edgeText(e: {
  from: string;
  to: string;
  on?: string | undefined;
  loop?: { maxIterations: number } | undefined;
}): string {
  const notes = [
    e.on ? `on ${e.on}` : "",
    e.loop ? `loop, at most ${e.loop.maxIterations}` : "",
  ].filter(Boolean);
  return `${e.from} → ${e.to}${notes.length ? ` (${notes.join(", ")})` : ""}`;
}
