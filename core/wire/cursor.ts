/**
 * Page cursors (docs/API.md, "Paging"): a list answers `nextCursor`, an opaque string holding
 * the sort key of the last item it gave; the next call passes it as `cursor` and gets the items
 * after that key. Keyset paging: an item inserted or deleted between two calls moves no other
 * item across the page boundary, so every item present throughout is seen exactly once.
 */

/** One part of a sort key. */
export type KeyPart = string | number;

/**
 * The cursor of a sort key: base64url of its JSON.
 * @example
 * encodeCursor([1733212800000, "run_abc"]) // "WzE3MzMyMTI4MDAwMDAsInJ1bl9hYmMiXQ"
 */
export function encodeCursor(key: readonly KeyPart[]): string {
  const bytes = new TextEncoder().encode(JSON.stringify(key));
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * The sort key a cursor holds, if it has the given shape (`"s"` string, `"n"` integer), else
 * null: a cursor of another list, edited or cut short.
 * @example
 * decodeCursor(encodeCursor([5, "a"]), ["n", "s"]) // [5, "a"]
 */
export function decodeCursor(raw: string, shape: readonly ("s" | "n")[]): KeyPart[] | null {
  if (raw.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(raw)) return null;
  let parsed: unknown;
  try {
    const text = atob(raw.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(text, (c) => c.charCodeAt(0));
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length) return null;
  const fits = parsed.every((part, i) =>
    shape[i] === "s" ? typeof part === "string" : Number.isSafeInteger(part),
  );
  return fits ? (parsed as KeyPart[]) : null;
}

/**
 * The page of `limit` items out of `rows` (read with LIMIT limit + 1) and the cursor after it,
 * null when there is no more.
 * @example
 * const { items, nextCursor } = page(rows, 50, (r) => [r.createdAt, r.id]);
 */
export function page<T>(
  rows: readonly T[],
  limit: number,
  keyOf: (row: T) => readonly KeyPart[],
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}

/** One page of a list as the API answers it (docs/API.md, "Paging"). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Every item of a paged list: asks for each next page with its `nextCursor` until there is
 * none.
 * @example
 * const secrets = await everyPage(async (cursor) => {
 *   const body = await call(api.secrets.$get({ query: { cursor } }));
 *   return { items: body.secrets, nextCursor: body.nextCursor };
 * });
 */
export async function everyPage<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}
