import { z } from "zod";

/**
 * Which `Idempotency-Key` an http node sends (docs/NODES.md, "Idempotency keys"):
 * - `attempt` (the default): one key per attempt. A lease re-send of the same attempt carries
 *   the same key, so a target that honours the header does that work once; a retry after a
 *   failure is a new attempt with a new key.
 * - `node`: one key for the node in its loop iteration (and map item) across all its retries:
 *   for a target where a retry must never repeat the effect.
 * - `off`: no header.
 * A header the workflow sets itself (`headers["Idempotency-Key"]`) is sent as written.
 */
export const IdempotencyKeyMode = z.enum(["attempt", "node", "off"]);
export type IdempotencyKeyMode = z.infer<typeof IdempotencyKeyMode>;

/** The execution a request belongs to. */
export interface ExecutionAt {
  runId: string;
  nodeId: string;
  /** The node's loop iteration (0 outside loops). */
  iteration: number;
  /** The node's attempt: it counts retries and iterations. */
  attempt: number;
  /** A map item: its index and the item's own attempt. */
  item?: { index: number; attempt: number };
}

/**
 * The key for an execution, or null for `off`. Readable on the target's side: run, node, then
 * what makes it one (attempt, or iteration, then the map item).
 * @example
 * idempotencyKey("attempt", { runId: "r1", nodeId: "pay", iteration: 0, attempt: 2 }); // "aob:r1:pay:a2"
 * idempotencyKey("node", { runId: "r1", nodeId: "pay", iteration: 0, attempt: 2 });    // "aob:r1:pay:i0"
 */
export function idempotencyKey(
  mode: IdempotencyKeyMode | undefined,
  at: ExecutionAt,
): string | null {
  if (mode === "off") return null;
  const base = `aob:${at.runId}:${at.nodeId}`;
  if (mode === "node") {
    return at.item ? `${base}:i${at.iteration}:m${at.item.index}` : `${base}:i${at.iteration}`;
  }
  return at.item
    ? `${base}:a${at.attempt}:m${at.item.index}:a${at.item.attempt}`
    : `${base}:a${at.attempt}`;
}
