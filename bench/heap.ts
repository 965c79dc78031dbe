/**
 * The Worker isolate's heap, read through `wrangler dev`'s inspector (the DevTools protocol's
 * `Runtime.getHeapUsage`): V8's used heap plus the array buffers' backing stores. That isolate
 * runs the Worker, its Durable Objects and the Workflows' step code, and its heap is what the
 * platform's 128 MB limit counts; the process's RSS (bench/memory.ts) also counts workerd's own
 * buffers, the local R2 and SQLite simulations, and memory freed but kept, so a run that follows
 * a large one reads low and one after small runs high.
 */
import { heapMib, InspectorSession } from "../scripts/inspector";
import type { SimulationHeaps } from "./simulations";

export class IsolateHeap {
  private constructor(
    private readonly session: InspectorSession,
    private readonly wake: () => Promise<unknown>,
  ) {}

  /**
   * Connects to the inspector on `port`; null when it does not answer (then no heap column).
   * The runtime's network events go off first (scripts/inspector.ts): an attached client is
   * handed every one, bodies included, and they cost the runtime more than the runs measured.
   * `wake` sends the Worker a cheap request: see `collect`.
   */
  static async connect(port: number, wake: () => Promise<unknown>): Promise<IsolateHeap | null> {
    const session = await InspectorSession.open(port);
    if (!session) return null;
    await session.call("Network.disable");
    const heap = new IsolateHeap(session, wake);
    return (await heap.mib()) === null ? null : heap;
  }

  /**
   * A full garbage collection, so a run's growth is measured from the live heap rather than
   * from whatever the run before left to collect (a refused 50 MiB Workflows step leaves 50-100
   * MiB, and a collection during the next run then read as no growth at all). V8 runs the
   * collection as a task of the isolate, which workerd runs only while the isolate handles an
   * event, so requests wake it until the collection answers (a wake that lands before the task
   * is posted does not run it).
   */
  async collect(): Promise<void> {
    let collected = false;
    const collecting = this.session.call("HeapProfiler.collectGarbage").then(() => {
      collected = true;
    });
    for (let wakes = 0; !collected && wakes < 100; wakes++) {
      await this.wake();
      await Promise.race([collecting, new Promise((r) => setTimeout(r, 50))]);
    }
    if (!collected) throw new Error("bench: the isolate's garbage collection did not answer");
  }

  /** Used heap plus backing stores, in MiB; null when the inspector did not answer. */
  async mib(): Promise<number | null> {
    return heapMib(this.session);
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
  /** The local storage simulations' heaps together (bench/simulations.ts): peak − base, MiB. */
  simulations: number | null;
}

/**
 * Collects the isolate's garbage, then samples its heap while `fn` runs, one request after
 * another (about 4 ms each), and returns the peak over the collected heap. A sample sees the
 * heap between garbage collections, so the peak is what the run held at once plus what it had
 * not yet collected: an upper bound on what it needed.
 */
export async function withHeap<T>(
  heap: IsolateHeap | null,
  fn: () => Promise<T>,
  simulations: SimulationHeaps | null = null,
): Promise<{ value: T; heap: HeapGrowth | null }> {
  if (!heap) return { value: await fn(), heap: null };
  await heap.collect();
  const base = (await heap.mib()) ?? Number.NaN;
  const simBase = (await simulations?.mib()) ?? null;
  let peak = base;
  let simPeak = simBase;
  let samples = 1;
  let running = true;
  const sample = async (read: () => Promise<number | null>, keep: (mib: number) => void) => {
    while (running) {
      const now = await read();
      if (now === null) return;
      keep(now);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  // Two loops, so the simulations' six isolates do not thin out the Worker's samples.
  const sampling = Promise.all([
    sample(
      () => heap.mib(),
      (now) => {
        samples++;
        peak = Math.max(peak, now);
      },
    ),
    simulations && simBase !== null
      ? sample(
          () => simulations.mib(),
          (now) => {
            simPeak = Math.max(simPeak ?? now, now);
          },
        )
      : null,
  ]);
  let value: T;
  try {
    value = await fn();
  } finally {
    running = false;
    await sampling;
  }
  const simGrowth = simBase === null || simPeak === null ? null : simPeak - simBase;
  return { value, heap: { base, peak, growth: peak - base, samples, simulations: simGrowth } };
}
