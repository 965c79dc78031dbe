/**
 * Writing a stream of bytes to one R2 key without holding it whole (docs/PAYLOADS.md): a body
 * of declared length streams straight through, one of unknown length goes in multipart parts.
 * Used for response bodies kept as blobs (platform/blob-sink.ts) and imported archives' blobs.
 */

/** R2 multipart parts: at least 5 MiB except the last; one part's bytes are held at a time. */
const PART_BYTES = 8 * 1024 * 1024;

/**
 * What a streamed body is handed on to R2 in (and read from the network in: blob-sink.ts). Each
 * download in flight holds one such block; 256 KiB streams 50 MiB as fast as 1 MiB blocks did
 * (docs/BENCHMARKS.md, "Session 19").
 */
export const STREAM_WRITE_BYTES = 256 * 1024;

export interface BlobWriter {
  /** Takes the chunk's bytes: the caller may reuse the chunk once the promise resolves. */
  write(chunk: Uint8Array): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Bytes gathered into one block that is reused once it was handed on, so writing a large body
 * allocates one block rather than a buffer per chunk and a copy per flush. The block grows (by
 * doubling) to its size as bytes come, so a small body costs a small buffer.
 */
class Block {
  private bytes = new Uint8Array(0);
  filled = 0;

  constructor(readonly size: number) {}

  /** Copies as much of `chunk` from `from` as fits; returns where the copy stopped. */
  fill(chunk: Uint8Array, from: number): number {
    const n = Math.min(chunk.byteLength - from, this.size - this.filled);
    if (this.filled + n > this.bytes.byteLength) {
      const grown = new Uint8Array(
        Math.min(this.size, Math.max(this.filled + n, this.bytes.byteLength * 2)),
      );
      grown.set(this.bytes.subarray(0, this.filled));
      this.bytes = grown;
    }
    this.bytes.set(chunk.subarray(from, from + n), this.filled);
    this.filled += n;
    return from + n;
  }

  get full(): boolean {
    return this.filled === this.size;
  }

  /** What was gathered; valid until the next `fill` after `reset`. */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.filled);
  }

  reset(): void {
    this.filled = 0;
  }
}

/**
 * Writes a body of known length to one R2 key as it arrives: R2 takes a stream whose length is
 * declared up front. Small network chunks go on a block at a time, gathered in one reused
 * block; a chunk of a block or more goes on as it is. A body longer or shorter than it said
 * fails the write. A write resolves once R2's side of the stream has read the bytes, so reusing
 * a block after it is safe.
 */
export class StreamWriter implements BlobWriter {
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly putting: Promise<unknown>;
  private readonly block = new Block(STREAM_WRITE_BYTES);

  constructor(bucket: R2Bucket, key: string, contentType: string, length: number) {
    const { readable, writable } = new FixedLengthStream(length);
    this.writer = writable.getWriter();
    this.putting = bucket.put(key, readable, { httpMetadata: { contentType } });
    // Failures surface through write/close; this keeps an early one from going unhandled.
    this.putting.catch(() => undefined);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.block.filled === 0 && chunk.byteLength >= STREAM_WRITE_BYTES) {
      await this.writer.write(chunk);
      return;
    }
    for (let at = 0; at < chunk.byteLength; ) {
      at = this.block.fill(chunk, at);
      if (this.block.full) await this.flush();
    }
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
    if (this.block.filled === 0) return;
    await this.writer.write(this.block.view());
    this.block.reset();
  }
}

/**
 * Writes a stream of chunks to one R2 key holding one part in memory, reused from part to part:
 * a single put when everything fits in one part, else a multipart upload.
 */
export class PartWriter implements BlobWriter {
  private readonly part = new Block(PART_BYTES);
  private upload: R2MultipartUpload | null = null;
  private readonly uploaded: R2UploadedPart[] = [];

  constructor(
    private readonly bucket: R2Bucket,
    private readonly key: string,
    private readonly contentType: string,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    for (let at = 0; at < chunk.byteLength; ) {
      at = this.part.fill(chunk, at);
      if (this.part.full) await this.flushPart();
    }
  }

  async close(): Promise<void> {
    const httpMetadata = { contentType: this.contentType };
    if (!this.upload) {
      await this.bucket.put(this.key, this.part.view(), { httpMetadata });
      return;
    }
    if (this.part.filled > 0) await this.flushPart();
    await this.upload.complete(this.uploaded);
  }

  async abort(): Promise<void> {
    await this.upload?.abort().catch(() => undefined);
  }

  /** Uploads the part gathered as the next one (R2: every part but the last the same size). */
  private async flushPart(): Promise<void> {
    this.upload ??= await this.bucket.createMultipartUpload(this.key, {
      httpMetadata: { contentType: this.contentType },
    });
    this.uploaded.push(await this.upload.uploadPart(this.uploaded.length + 1, this.part.view()));
    this.part.reset();
  }
}
