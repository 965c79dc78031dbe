/** One place where two JSON values differ. */
export interface JsonChange {
  /** Where, as a path from the root (`body.items[2].name`); "" is the whole value. */
  path: string;
  kind: "added" | "removed" | "changed";
  /** The value in the first (absent when added). */
  before?: unknown;
  /** The value in the second (absent when removed). */
  after?: unknown;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function child(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  if (IDENTIFIER.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Where two JSON values differ, as a list of changes in document order: keys added, removed
 * or changed in objects (compared by key), items by position in arrays, a value whose type
 * changed as one change. At most `max` changes are listed (`cut` says there were more), so two
 * large outputs cost a bounded list to show.
 * @example
 * jsonDiff({ a: 1, b: [1, 2] }, { a: 2, b: [1], c: true }).changes;
 * // [{ path: "a", kind: "changed", before: 1, after: 2 },
 * //  { path: "b[1]", kind: "removed", before: 2 }, { path: "c", kind: "added", after: true }]
 */
export function jsonDiff(
  before: unknown,
  after: unknown,
  max = 200,
): { changes: JsonChange[]; cut: boolean } {
  const changes: JsonChange[] = [];
  let cut = false;
  const add = (change: JsonChange) => {
    if (changes.length >= max) cut = true;
    else changes.push(change);
  };
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (cut) return;
    if (Array.isArray(x) && Array.isArray(y)) {
      const n = Math.max(x.length, y.length);
      for (let i = 0; i < n && !cut; i++) {
        if (i >= y.length) add({ path: child(path, i), kind: "removed", before: x[i] });
        else if (i >= x.length) add({ path: child(path, i), kind: "added", after: y[i] });
        else walk(x[i], y[i], child(path, i));
      }
      return;
    }
    if (isObject(x) && isObject(y)) {
      for (const key of Object.keys(x)) {
        if (cut) return;
        if (!(key in y)) add({ path: child(path, key), kind: "removed", before: x[key] });
        else walk(x[key], y[key], child(path, key));
      }
      for (const key of Object.keys(y)) {
        if (cut) return;
        if (!(key in x)) add({ path: child(path, key), kind: "added", after: y[key] });
      }
      return;
    }
    if (!Object.is(x, y)) add({ path, kind: "changed", before: x, after: y });
  };
  walk(before, after, "");
  return { changes, cut };
}

/**
 * A JSON value on one line, shortened past `max` characters.
 * @example
 * brief({ a: "x".repeat(100) }, 20); // '{"a":"xxxxxxxxxxxxx…'
 */
export function brief(value: unknown, max = 120): string {
  const text = value === undefined ? "(none)" : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * How much longer or shorter the second duration is, for a column of deltas: "+1.2 s",
 * "−40 ms", "±0 ms"; "" when either is unknown.
 * @example
 * formatDelta(1000, 3200); // "+2.2 s"
 */
export function formatDelta(a: number | null | undefined, b: number | null | undefined): string {
  if (a === null || a === undefined || b === null || b === undefined) return "";
  const d = b - a;
  const size = Math.abs(d);
  const text = size < 1000 ? `${Math.round(size)} ms` : `${(size / 1000).toFixed(1)} s`;
  return `${d > 0 ? "+" : d < 0 ? "−" : "±"}${text}`;
}
