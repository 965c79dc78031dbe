/**
 * The Worker isolate's heap, read through `wrangler dev`'s inspector (the DevTools protocol's
 * `Runtime.getHeapUsage`): V8's used heap plus the array buffers' backing stores. That isolate
 * runs the Worker, its Durable Objects and the Workflows' step code, and its heap is what the
 * platform's 128 MB limit counts; the process's RSS (bench/memory.ts) also counts workerd's own
 * buffers, the local R2 and SQLite simulations, and memory freed but kept, so a run that follows
 * a large one reads low and one after small runs high.
 */
import { InspectorSession } from "../scripts/inspector";

const MIB = 1024 * 1024;

interface HeapUsage {
  usedSize: number;
  totalSize: number;
  /** ArrayBuffer backing stores (outside V8's heap; a 1 MiB block is here). */
  backingStorageSize?: number;
}

export class IsolateHeap {
  private constructor(private readonly session: InspectorSession) {}

  /**
   * Connects to the inspector on `port`; null when it does not answer (then no heap column).
   * The runtime's network events go off first (scripts/inspector.ts): an attached client is
   * handed every one, bodies included, and they cost the runtime more than the runs measured.
   */
  static async connect(port: number): Promise<IsolateHeap | null> {
    const session = await InspectorSession.open(port);
    if (!session) return null;
    await session.call("Network.disable");
    const heap = new IsolateHeap(session);
    return (await heap.mib()) === null ? null : heap;
  }

  /** Used heap plus backing stores, in MiB; null when the inspector did not answer. */
  async mib(): Promise<number | null> {
    const u = (await this.session.call("Runtime.getHeapUsage")) as HeapUsage | null;
    return u ? (u.usedSize + (u.backingStorageSize ?? 0)) / MIB : null;
  }

  close(): void {
    this.session.close();
  }
}

export interface HeapGrowth {
  /** MiB just before the run, the highest sample during it, and the difference. */
  base: number;
  peak: number;
  growth: number;
  samples: number;
}

/**
 * Samples the isolate's heap while `fn` runs, one request after another (about 4 ms each), and
 * returns the peak over the value just before. A sample sees the heap between garbage
 * collections, so the peak is what the run held at once, to within what one collection frees.
 */
export async function withHeap<T>(
  heap: IsolateHeap | null,
  fn: () => Promise<T>,
): Promise<{ value: T; heap: HeapGrowth | null }> {
  if (!heap) return { value: await fn(), heap: null };
  const base = (await heap.mib()) ?? Number.NaN;
  let peak = base;
  let samples = 1;
  let running = true;
  const sampling = (async () => {
    while (running) {
      const now = await heap.mib();
      if (now === null) return;
      samples++;
      peak = Math.max(peak, now);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  let value: T;
  try {
    value = await fn();
  } finally {
    running = false;
    await sampling;
  }
  return { value, heap: { base, peak, growth: peak - base, samples } };
}
