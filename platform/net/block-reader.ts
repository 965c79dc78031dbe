/** The first block when the body's length is not known; blocks double from it as they fill. */
const FIRST_BLOCK_BYTES = 64 * 1024;

/**
 * Reads a body in blocks into one buffer it reuses, with a BYOB reader, instead
 * of a fresh buffer for every network chunk (16-64 KiB each): streaming 50 MiB chunk by chunk
 * left tens of MiB of spent chunks to the garbage collector (docs/BENCHMARKS.md, "Session
 * 14"). Blocks start at `firstBytes` and double while they come back full, up to `blockBytes`,
 * so a small body costs a small buffer. A block is valid until the next `read`: whoever keeps
 * bytes past that copies them.
 * @example
 * const blocks = new BlockReader(response.body, 1024 * 1024);
 * for (let block = await blocks.read(); block; block = await blocks.read()) await sink.write(block);
 */
export class BlockReader {
  private readonly reader: ReadableStreamBYOBReader;
  private buffer: ArrayBuffer;
  private done = false;

  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly blockBytes: number,
    firstBytes = FIRST_BLOCK_BYTES,
  ) {
    this.reader = body.getReader({ mode: "byob" });
    this.buffer = new ArrayBuffer(Math.min(blockBytes, firstBytes));
  }

  /** The next block (full unless the body ends within it), or null at the end of the body. */
  async read(): Promise<Uint8Array | null> {
    if (this.done) return null;
    const size = this.buffer.byteLength;
    let buffer = this.buffer;
    let filled = 0;
    while (filled < size) {
      const { done, value } = await this.reader.read(new Uint8Array(buffer, filled, size - filled));
      // Each read takes the buffer over (detaching it) and hands it back in `value`.
      if (value !== undefined) buffer = value.buffer;
      if (done || value === undefined) {
        this.done = true;
        break;
      }
      filled += value.byteLength;
    }
    // A block that came back full is followed by a larger one, up to `blockBytes`.
    this.buffer =
      filled === size && size < this.blockBytes
        ? new ArrayBuffer(Math.min(this.blockBytes, size * 2))
        : buffer;
    return filled > 0 ? new Uint8Array(buffer, 0, filled) : null;
  }

  /** Gives up on the rest of the body, releasing the connection. */
  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}
