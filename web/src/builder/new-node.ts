import { asSchema, initialValue, isRecord } from "../schema/json-schema";

/**
 * A fresh node id for a kind: the kind itself if free, else `<kind>_2`, `<kind>_3`, ... Ids must
 * match the engine's rule (lowercase letter first, then a-z, 0-9, _).
 * @example
 * nextNodeId("transform", new Set(["transform"])) // "transform_2"
 */
export function nextNodeId(kind: string, taken: ReadonlySet<string>): string {
  let base = kind
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^[^a-z]+/, "")
    .slice(0, 56);
  if (base === "") base = "node";
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const id = `${base}_${i}`;
    if (!taken.has(id)) return id;
  }
}

/** The starting config of a new node: its kind schema's defaults and empty required fields. */
export function initialConfig(configSchema: unknown): Record<string, unknown> {
  const value = initialValue(asSchema(configSchema), true);
  return isRecord(value) ? value : {};
}

export const NODE_ID_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

/** The room a node takes on the canvas, with a margin. */
const SLOT = { width: 210, height: 90 };

/**
 * The first place at or right of (then below) `wanted` that no node occupies, so that nodes
 * added with the keyboard do not pile up.
 * @example
 * freeSpot({ x: 0, y: 0 }, [{ x: 0, y: 0 }]) // { x: 210, y: 0 }
 */
export function freeSpot(
  wanted: { x: number; y: number },
  taken: readonly { x: number; y: number }[],
): { x: number; y: number } {
  const clear = (p: { x: number; y: number }) =>
    taken.every((t) => Math.abs(t.x - p.x) >= SLOT.width || Math.abs(t.y - p.y) >= SLOT.height);
  for (let row = 0; row < 50; row++) {
    for (let col = 0; col < 4; col++) {
      const p = { x: wanted.x + col * SLOT.width, y: wanted.y + row * SLOT.height };
      if (clear(p)) return p;
    }
  }
  return wanted;
}
