/**
 * Writing a stream of bytes to one R2 key without holding it whole (docs/PAYLOADS.md): a body
 * of declared length streams straight through, one of unknown length goes in multipart parts.
 * Used for response bodies kept as blobs (platform/blob-sink.ts) and imported archives' blobs.
 */

/** R2 multipart parts: at least 5 MiB except the last; one part's bytes are held at a time. */
const PART_BYTES = 8 * 1024 * 1024;

/** What a streamed body is handed on to R2 in. */
const STREAM_WRITE_BYTES = 1024 * 1024;

export interface BlobWriter {
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Writes a body of known length to one R2 key as it arrives, holding one chunk at a time: R2
 * takes a stream whose length is declared up front. A body longer or shorter than it said
 * fails the write.
 */
export class StreamWriter implements BlobWriter {
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
export class PartWriter implements BlobWriter {
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
