/**
 * What a blob's content type says to a reader: whether its bytes are text (shown as text in the
 * node panel's preview, written to a terminal by `aob blob`) and the extension a downloaded
 * file gets. Shared by web/ and cli/.
 */
import { type BlobMarker, blobMarker } from "./blob-ref";

/** The media type alone, lowercased: `Text/HTML; charset=utf-8` → `text/html`. */
export function mediaType(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

const TEXT_TYPES = new Set([
  "application/json",
  "application/xml",
  "application/javascript",
  "application/ecmascript",
  "application/x-ndjson",
  "application/x-www-form-urlencoded",
  "application/yaml",
  "application/x-yaml",
  "application/toml",
  "application/sql",
  "application/graphql",
  "image/svg+xml",
]);

/**
 * Whether bytes of this type read as text: `text/*`, JSON and XML (with their `+json`, `+xml`
 * suffixes) and a few other textual application types.
 * @example
 * isTextual("application/problem+json"); // true
 * isTextual("application/pdf");          // false
 */
export function isTextual(contentType: string): boolean {
  const type = mediaType(contentType);
  return (
    type.startsWith("text/") ||
    TEXT_TYPES.has(type) ||
    type.endsWith("+json") ||
    type.endsWith("+xml")
  );
}

const EXTENSIONS: Record<string, string> = {
  "application/json": "json",
  "application/x-ndjson": "ndjson",
  "application/xml": "xml",
  "application/pdf": "pdf",
  "application/zip": "zip",
  "application/gzip": "gz",
  "application/x-gzip": "gz",
  "application/x-tar": "tar",
  "application/javascript": "js",
  "application/yaml": "yaml",
  "application/x-yaml": "yaml",
  "application/wasm": "wasm",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "text/plain": "txt",
  "text/html": "html",
  "text/css": "css",
  "text/csv": "csv",
  "text/markdown": "md",
  "text/xml": "xml",
  "text/javascript": "js",
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/webp": "webp",
  "image/svg+xml": "svg",
  "image/avif": "avif",
  "audio/mpeg": "mp3",
  "audio/wav": "wav",
  "video/mp4": "mp4",
  "video/webm": "webm",
};

/**
 * The file extension (no dot) for a content type: a known one, `json`/`xml` for a `+json`/
 * `+xml` type, `txt` for other text and `bin` for anything else.
 * @example
 * fileExtension("image/png");                 // "png"
 * fileExtension("application/octet-stream");  // "bin"
 */
export function fileExtension(contentType: string): string {
  const type = mediaType(contentType);
  const known = EXTENSIONS[type];
  if (known) return known;
  if (type.endsWith("+json")) return "json";
  if (type.endsWith("+xml")) return "xml";
  return isTextual(type) ? "txt" : "bin";
}

/**
 * A name for a downloaded blob: the node's id (characters unsafe in file names replaced) and
 * the extension of its type, with a `suffix` (`-body`) when it is a part of the output.
 * @example
 * downloadName("fetch report", "application/pdf"); // "fetch_report.pdf"
 */
export function downloadName(nodeId: string, contentType: string, suffix = ""): string {
  const base = `${nodeId}${suffix}`.replace(/[^\w.-]+/g, "_").replace(/^\.+/, "_") || "output";
  return `${base}.${fileExtension(contentType)}`;
}

/** A blob marker inside a value, with its path (`""` for the value itself, `body`, `pages[2]`). */
export interface FoundBlob {
  path: string;
  marker: BlobMarker;
}

/**
 * The blob markers in a value, in document order, at most `limit` of them. Walked without
 * recursion: an output may nest up to `MAX_OUTPUT_DEPTH`.
 * @example
 * findBlobs({ status: 200, body: { $blob: "ab…", bytes: 3, contentType: "image/png" } });
 * // [{ path: "body", marker: { $blob: "ab…", bytes: 3, contentType: "image/png" } }]
 */
export function findBlobs(value: unknown, limit = 100): FoundBlob[] {
  const found: FoundBlob[] = [];
  const stack: { path: string; value: unknown }[] = [{ path: "", value }];
  while (stack.length > 0 && found.length < limit) {
    const at = stack.pop() as { path: string; value: unknown };
    if (at.value === null || typeof at.value !== "object") continue;
    const marker = blobMarker(at.value);
    if (marker) {
      found.push({ path: at.path, marker });
      continue;
    }
    const children = Array.isArray(at.value)
      ? at.value.map((v, i) => ({ path: `${at.path}[${i}]`, value: v as unknown }))
      : Object.entries(at.value).map(([k, v]) => ({
          path: at.path === "" ? k : `${at.path}.${k}`,
          value: v as unknown,
        }));
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as (typeof children)[0]);
  }
  return found;
}
