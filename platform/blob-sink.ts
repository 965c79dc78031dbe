/**
 * Response bodies kept as blobs, and blobs sent as request bodies (docs/PAYLOADS.md, invariant
 * 5). A body that is binary, or text too large to read into an output, streams to R2 in parts
 * while it is hashed, so neither the runner nor the object ever holds it whole; the node's
 * output names it with a blob marker. A blob is only ever opened through its tenant's record.
 */

import { createHash } from "node:crypto";
import type { BlobMarker } from "../core/wire/blob-ref";
import { holdBlobs, tenantBlob } from "../db/blobs";
import { discard, responseTooLarge } from "./net/read-body";
import type { OutputOwner } from "./output-refs";

/** Text and JSON up to this are read into the output; larger ones are kept as blobs. */
export const MAX_PARSED_BODY_BYTES = 16 * 1024 * 1024;

/** R2 multipart parts: at least 5 MiB except the last; one part's bytes are held at a time. */
const PART_BYTES = 8 * 1024 * 1024;

/** What a streamed body is handed on to R2 in. */
const STREAM_WRITE_BYTES = 1024 * 1024;

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
    const reader = body.getReader();
    const head: Uint8Array[] = [];
    let received = 0;
    if (isTextual(contentType) && !(declared > MAX_PARSED_BODY_BYTES)) {
      // Read as text unless it grows past the parse limit; then what was read starts the blob.
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
    }
    const type = contentType || "application/octet-stream";
    return this.spill(response, head, reader, type, maxBytes, origin);
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
    reader: ReadableStreamDefaultReader<Uint8Array>,
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
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        await take(value);
      }
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

interface BlobWriter {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Writes a body of known length to one R2 key as it arrives, holding one chunk at a time: R2
 * takes a stream whose length is declared up front. A body longer or shorter than it said
 * fails the write.
 */
class StreamWriter implements BlobWriter {
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly putting: Promise<unknown>;
  private buffered: Uint8Array[] = [];
  private size = 0;

  constructor(bucket: R2Bucket, key: string, contentType: string, length: number) {
    const { readable, writable } = new FixedLengthStream(length);
    this.writer = writable.getWriter();
    this.putting = bucket.put(key, readable, { httpMetadata: { contentType } });
    // Failures surface through write/close; this keeps an early one from going unhandled.
    this.putting.catch(() => undefined);
  }

  /** Network chunks are small (16-64 KiB): they go on to R2 a MiB at a time. */
  async write(chunk: Uint8Array): Promise<void> {
    this.buffered.push(chunk);
    this.size += chunk.byteLength;
    if (this.size >= STREAM_WRITE_BYTES) await this.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.writer.close();
    await this.putting;
  }

  async abort(): Promise<void> {
    await this.writer.abort().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    if (this.size === 0) return;
    const chunk = concat(this.buffered, this.size);
    this.buffered = [];
    this.size = 0;
    await this.writer.write(chunk);
  }
}

/**
 * Writes a stream of chunks to one R2 key holding at most one part in memory: a single put when
 * everything fits in one part, else a multipart upload.
 */
class PartWriter implements BlobWriter {
  private buffered: Uint8Array[] = [];
  private size = 0;
  private upload: R2MultipartUpload | null = null;
  private readonly uploaded: R2UploadedPart[] = [];

  constructor(
    private readonly bucket: R2Bucket,
    private readonly key: string,
    private readonly contentType: string,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    this.buffered.push(chunk);
    this.size += chunk.byteLength;
    while (this.size >= PART_BYTES) await this.flushPart(PART_BYTES);
  }

  async close(): Promise<void> {
    const httpMetadata = { contentType: this.contentType };
    if (!this.upload) {
      await this.bucket.put(this.key, concat(this.buffered, this.size), { httpMetadata });
      return;
    }
    if (this.size > 0) await this.flushPart(this.size);
    await this.upload.complete(this.uploaded);
  }

  async abort(): Promise<void> {
    await this.upload?.abort().catch(() => undefined);
  }

  /** Uploads the first `bytes` buffered as the next part (R2: every part but the last the same size). */
  private async flushPart(bytes: number): Promise<void> {
    this.upload ??= await this.bucket.createMultipartUpload(this.key, {
      httpMetadata: { contentType: this.contentType },
    });
    const all = concat(this.buffered, this.size);
    const rest = all.subarray(bytes);
    this.buffered = rest.byteLength > 0 ? [rest] : [];
    this.size = rest.byteLength;
    this.uploaded.push(
      await this.upload.uploadPart(this.uploaded.length + 1, all.subarray(0, bytes)),
    );
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function decode(chunks: Uint8Array[]): string {
  const decoder = new TextDecoder("utf-8");
  let text = "";
  for (const c of chunks) text += decoder.decode(c, { stream: true });
  return text + decoder.decode();
}
