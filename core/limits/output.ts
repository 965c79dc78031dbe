import { canonicalJson } from "../cas/hash";
import type { NodeError } from "../errors";

/**
 * The largest output a run stores in its own storage, in UTF-8 bytes of its JSON: outputs that
 * stay inline (a map's collected output, an approval's decision, a map item's result). A Durable
 * Object's SQLite refuses a value over 2 MB.
 */
export const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * Outputs above this travel by reference (docs/PAYLOADS.md): written to R2 by whoever produced
 * them before the result is reported, and read back only when an expression names them.
 */
export const INLINE_OUTPUT_BYTES = 64 * 1024;

/**
 * The largest JSON output kept by reference: it is parsed whole when an expression reads it, so
 * it is held to what one evaluation may hold in the object's memory. A larger http response
 * stays a blob (its `body` a blob marker, core/wire/blob-ref.ts) and is never parsed.
 */
export const MAX_REF_OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * The deepest nesting of arrays and objects an output may have: serde_json's default, deep
 * enough for any real document and shallow enough that nothing recursive over it (hashing,
 * storage, expressions, the UI's tree) can run out of stack.
 */
export const MAX_OUTPUT_DEPTH = 128;

/**
 * Why a node's output cannot be stored, as the node's error, or null when it can. Checked before
 * a result is accepted, so an output that would fail inside the step's transaction fails its
 * node instead (and the run, its object and every other run go on).
 * @example
 * outputProblem({ a: 1 }); // null
 * outputProblem("x".repeat(2_000_000)); // { code: "output_too_large", ... }
 */
export function outputProblem(value: unknown, maxBytes = MAX_OUTPUT_BYTES): NodeError | null {
  if (nestedDeeperThan(value, MAX_OUTPUT_DEPTH)) return tooDeep("the output");
  let json: string | undefined;
  try {
    json = JSON.stringify(value ?? null);
  } catch (err) {
    return notJson(err);
  }
  return sizeProblem(utf8Length(json), maxBytes);
}

/**
 * outputProblem's checks on the canonical JSON the output is stored and hashed as
 * (core/cas/hash.ts), which comes back with its UTF-8 length: a large output is serialised once
 * rather than once to check it and again to store it.
 * @example
 * storableJson({ b: 1, a: 2 }, 64); // { json: '{"a":2,"b":1}', bytes: 13 }
 */
export function storableJson(
  value: unknown,
  maxBytes = MAX_OUTPUT_BYTES,
): { json: string; bytes: number } | { problem: NodeError } {
  if (nestedDeeperThan(value, MAX_OUTPUT_DEPTH)) return { problem: tooDeep("the output") };
  let json: string;
  try {
    json = canonicalJson(value ?? null);
  } catch (err) {
    return { problem: notJson(err) };
  }
  const bytes = utf8Length(json);
  const problem = sizeProblem(bytes, maxBytes);
  return problem ? { problem } : { json, bytes };
}

function notJson(err: unknown): NodeError {
  return {
    code: "output_not_json",
    message: `the output is not a JSON value: ${err instanceof Error ? err.message : String(err)}`,
    retryable: false,
  };
}

function sizeProblem(bytes: number, maxBytes: number): NodeError | null {
  if (bytes <= maxBytes) return null;
  return {
    code: "output_too_large",
    message: `the output is ${formatBytes(bytes)} of JSON; a node's output is stored with its run up to ${formatBytes(maxBytes)}; pick the part you need with a transform, or page the request`,
    retryable: false,
  };
}

/** The error of a value nested deeper than MAX_OUTPUT_DEPTH; `what` names it ("the response body"). */
export function tooDeep(what: string): NodeError {
  return {
    code: "output_too_deep",
    message: `${what} nests arrays and objects more than ${MAX_OUTPUT_DEPTH} levels deep; flatten it (a transform can pick the part you need)`,
    retryable: false,
  };
}

/** Whether `value` nests arrays and objects deeper than `limit`, walked without recursion. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** UTF-8 byte length of a string without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`;
}
