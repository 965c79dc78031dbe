/**
 * Content addressing: a value's key is the SHA-256 of its canonical JSON (object keys sorted),
 * so equal outputs share one blob whatever order their keys were produced in.
 */

/**
 * @example
 * canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }); // '{"a":[2,{"c":4,"d":3}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The blob key of a content hash. */
export const casKey = (hash: string) => `cas/sha256/${hash}`;

/**
 * @example
 * const { hash, json } = await contentAddress({ ok: true });
 */
export async function contentAddress(value: unknown): Promise<{ hash: string; json: string }> {
  const json = canonicalJson(value);
  return { hash: await sha256Hex(json), json };
}
