import { isTextual } from "../../../core/wire/blob-content";

/** How much of a blob the node panel previews: one Range request for the first KiB. */
export const PREVIEW_BYTES = 1024;
/** How much of a binary preview is shown as hex (16 lines). */
export const HEX_BYTES = 256;

/** A blob's first bytes as the panel shows them. */
export interface Preview {
  contentType: string;
  /** The whole blob's size, when the answer said it (`Content-Range`, `Content-Length`). */
  size: number | undefined;
  /** Bytes read (at most `PREVIEW_BYTES`). */
  shown: number;
  /** Text for a textual type, else a hex dump. */
  kind: "text" | "hex";
  body: string;
}

/** The total of `Content-Range: bytes 0-1023/20000` (or `bytes *\/20000`). */
export function rangeTotal(header: string | null): number | undefined {
  const total = header ? /\/(\d+)$/.exec(header)?.[1] : undefined;
  return total === undefined ? undefined : Number(total);
}

/**
 * Lines of 16 bytes: offset, bytes in hex, and the printable ASCII ones (`.` for the rest).
 * @example
 * hexDump(new Uint8Array([0x25, 0x50, 0x44, 0x46])); // "00000000  25 50 44 46 ... |%PDF|"
 */
export function hexDump(bytes: Uint8Array, max = HEX_BYTES): string {
  const lines: string[] = [];
  const end = Math.min(bytes.length, max);
  for (let at = 0; at < end; at += 16) {
    const row = bytes.subarray(at, Math.min(at + 16, end));
    const hex = [...row].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = [...row]
      .map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "."))
      .join("");
    lines.push(`${at.toString(16).padStart(8, "0")}  ${hex.padEnd(47)}  |${ascii}|`);
  }
  return lines.join("\n");
}

/** The preview of a blob's first bytes, as text or hex by its content type. */
export function preview(bytes: Uint8Array, contentType: string, size: number | undefined): Preview {
  const text = isTextual(contentType);
  return {
    contentType,
    size,
    shown: bytes.length,
    kind: text ? "text" : "hex",
    // A multi-byte character cut at the end of the KiB shows as one replacement character.
    body: text ? new TextDecoder().decode(bytes) : hexDump(bytes),
  };
}

/** Reads at most `max` bytes of a body and lets go of the rest (a server may send it all). */
export async function readPrefix(body: ReadableStream<Uint8Array> | null, max: number) {
  const out = new Uint8Array(max);
  let length = 0;
  if (!body) return out.subarray(0, 0);
  const reader = body.getReader();
  while (length < max) {
    const { done, value } = await reader.read();
    if (done) break;
    const take = value.subarray(0, max - length);
    out.set(take, length);
    length += take.length;
  }
  await reader.cancel();
  return out.subarray(0, length);
}

/** `1.2 MiB`, `340 B`. */
export function formatBytes(n: number | undefined): string {
  if (n === undefined) return "size unknown";
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
