/**
 * Response bodies kept as blobs, and blobs sent as request bodies (docs/PAYLOADS.md, invariant
 * 5). A body that is binary, or text too large to read into an output, streams to R2 in parts
 * while it is hashed, so neither the runner nor the object ever holds it whole; the node's
 * output names it with a blob marker. A blob is only ever opened through its tenant's record.
 */

import { createHash } from "node:crypto";
import type { BlobMarker } from "../core/wire/blob-ref";
import { holdBlobs, tenantBlob } from "../db/blobs";
import { type BlobWriter, PartWriter, STREAM_WRITE_BYTES, StreamWriter } from "./blob-writer";
import { BlockReader } from "./net/block-reader";
import { discard, responseTooLarge } from "./net/read-body";
import type { OutputOwner } from "./output-refs";

/** Text and JSON up to this are read into the output; larger ones are kept as blobs. */
export const MAX_PARSED_BODY_BYTES = 16 * 1024 * 1024;

/** Content types read as text (and JSON parsed); anything else is kept as a blob. */
const TEXTUAL = /^text\/|[/+](json|xml)\b|javascript|ecmascript|x-www-form-urlencoded/i;

export function isTextual(contentType: string): boolean {
  return contentType === "" || TEXTUAL.test(contentType);
}

export class BlobSink {
  constructor(
    private readonly env: Pick<Env, "BLOBS" | "DB">,
    private readonly owner: OutputOwner,
  ) {}

  /**
   * Reads a response: text when it is textual and small enough, else a blob marker. The body
   * is refused (`response_too_large`) past `maxBytes` either way, while streaming.
   */
  async read(response: Response, maxBytes: number, origin: string): Promise<string | BlobMarker> {
    const contentType = response.headers.get("content-type") ?? "";
    const body = response.body;
    if (body === null) return "";
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (declared > maxBytes) {
      discard(body);
      throw responseTooLarge(origin, maxBytes);
    }
    const head: Uint8Array[] = [];
    let received = 0;
    if (isTextual(contentType) && !(declared > MAX_PARSED_BODY_BYTES)) {
      // Read as text unless it grows past the parse limit; then what was read starts the blob.
      const reader = body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return decode(head);
        head.push(value);
        received += value.byteLength;
        if (received > maxBytes) {
          discard(reader);
          throw responseTooLarge(origin, maxBytes);
        }
        if (received > MAX_PARSED_BODY_BYTES) break;
      }
      reader.releaseLock();
    }
    // The rest goes to R2 in blocks of one reused buffer; its first block is no larger than
    // what is left of a declared length, so a small blob does not cost a MiB.
    const left = Number.isSafeInteger(declared) ? Math.max(1, declared - received) : undefined;
    const blocks = new BlockReader(body, STREAM_WRITE_BYTES, left);
    const type = contentType || "application/octet-stream";
    return this.spill(response, head, blocks, type, maxBytes, origin);
  }

  /** The stream of one of the tenant's blobs, to send as a request body. */
  async open(marker: BlobMarker): Promise<ReadableStream<Uint8Array>> {
    const record = await tenantBlob(this.env.DB, this.owner.tenantId, marker.$blob);
    const object = record ? await this.env.BLOBS.get(record.key) : null;
    if (!object) {
      throw Object.assign(
        new Error(
          `the request body names blob ${marker.$blob}, which this workspace does not hold`,
        ),
        { code: "blob_not_found", retryable: false },
      );
    }
    return object.body;
  }

  /** Streams what was read and the rest to R2, hashing as it goes, and records the blob. */
  private async spill(
    response: Response,
    head: Uint8Array[],
    reader: BlockReader,
    contentType: string,
    maxBytes: number,
    origin: string,
  ): Promise<BlobMarker> {
    const key = `cas/stream/${this.owner.runId}/${crypto.randomUUID()}`;
    const hashing = createHash("sha256");
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    // A declared length streams straight through to R2; without one, in parts.
    const parts: BlobWriter = Number.isSafeInteger(declared)
      ? new StreamWriter(this.env.BLOBS, key, contentType, declared)
      : new PartWriter(this.env.BLOBS, key, contentType);
    let bytes = 0;
    try {
      const take = async (chunk: Uint8Array) => {
        bytes += chunk.byteLength;
        if (bytes > maxBytes) throw responseTooLarge(origin, maxBytes);
        hashing.update(chunk);
        await parts.write(chunk);
      };
      for (const chunk of head) await take(chunk);
      // Each block is hashed and handed on before the next read reuses it.
      for (let block = await reader.read(); block; block = await reader.read()) await take(block);
      await parts.close();
    } catch (err) {
      discard(reader);
      await parts.abort();
      throw err;
    }
    const hash = hashing.digest("hex");
    const held = { tenantId: this.owner.tenantId, hash, bytes, contentType };
    const at = Date.now();
    // The tenant already holds these bytes: this run holds that copy too, and its own upload
    // goes, unless the copy was deleted meanwhile (holdBlobs waits such a deletion out).
    const record = await tenantBlob(this.env.DB, this.owner.tenantId, hash);
    if (record && record.key !== key) {
      await holdBlobs(this.env.DB, [
        { ...held, key: record.key, runId: this.owner.runId, createdAt: at },
      ]);
      if (await this.env.BLOBS.head(record.key)) {
        await this.env.BLOBS.delete(key);
        return { $blob: hash, bytes, contentType };
      }
    }
    await holdBlobs(this.env.DB, [{ ...held, key, runId: this.owner.runId, createdAt: at }]);
    return { $blob: hash, bytes, contentType };
  }
}

function decode(chunks: Uint8Array[]): string {
  const decoder = new TextDecoder("utf-8");
  let text = "";
  for (const c of chunks) text += decoder.decode(c, { stream: true });
  return text + decoder.decode();
}
