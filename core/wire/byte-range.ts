/**
 * The `Range` header of a request for a blob (RFC 9110 §14): one byte range, read against the
 * blob's size. `GET /api/blobs/{hash}` answers 206 for `range`, 416 for `unsatisfiable` and the
 * whole blob (200) for `whole`: no header, another unit, several ranges or a malformed value
 * (a server may ignore a Range it does not serve, §14.2).
 */
export type ByteRange =
  | { kind: "whole" }
  | { kind: "range"; offset: number; length: number }
  | { kind: "unsatisfiable" };

const SINGLE = /^bytes=(\d*)-(\d*)$/;

/**
 * Where `header` asks to read a blob of `size` bytes.
 * @example
 * byteRange("bytes=0-1023", 10_000); // { kind: "range", offset: 0, length: 1024 }
 * byteRange("bytes=-100", 10_000);   // { kind: "range", offset: 9900, length: 100 }
 * byteRange("bytes=20000-", 10_000); // { kind: "unsatisfiable" }
 */
export function byteRange(header: string | null | undefined, size: number): ByteRange {
  const match = header === null || header === undefined ? null : SINGLE.exec(header.trim());
  if (!match) return { kind: "whole" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { kind: "whole" };
  if (first === "") {
    // `bytes=-n`: the last n bytes (all of them when the blob is shorter).
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    const length = Math.min(suffix, size);
    return { kind: "range", offset: size - length, length };
  }
  const offset = Number(first);
  const end = last === "" ? Number.POSITIVE_INFINITY : Number(last);
  if (end < offset) return { kind: "whole" }; // invalid: ignored, as §14.1.1 allows
  if (offset >= size) return { kind: "unsatisfiable" };
  return { kind: "range", offset, length: Math.min(end, size - 1) - offset + 1 };
}

/** The `Content-Range` of an answer: `bytes 0-1023/10000`, or `bytes *\/10000` for a 416. */
export function contentRange(range: ByteRange, size: number): string {
  return range.kind === "range"
    ? `bytes ${range.offset}-${range.offset + range.length - 1}/${size}`
    : `bytes */${size}`;
}
