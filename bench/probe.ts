/**
 * The platform's own costs, measured inside the bench Worker: the floor under an engine's hop.
 * Each is the median of several calls made one after the other (Date.now() in a Worker moves
 * with I/O, which is all these measure).
 */

import type { BenchEnv } from "./worker";

/** Ping ids the probe is waiting for, resolved by `noteQueueBatch` when the consumer sees them. */
const waiting = new Map<string, (at: number) => void>();
const QUEUE_PROBE_PREFIX = "bench-rt-";

/** Called by the bench Worker's queue handler before aob's consumer: records probe pings. */
export function noteQueueBatch(batch: MessageBatch<unknown>): void {
  const at = Date.now();
  for (const m of batch.messages) {
    const id = (m.body as { id?: unknown } | null)?.id;
    if (typeof id === "string" && id.startsWith(QUEUE_PROBE_PREFIX)) waiting.get(id)?.(at);
  }
}

export async function fetchOnce(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return Date.now();
}

async function medianMs(rounds: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = Date.now();
    await fn(i);
    times.push(Date.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** One queue message, from send to the consumer seeing it (same isolate in `wrangler dev`). */
export async function queueRoundTrip(queue: Queue, tag: string): Promise<void> {
  const id = `${QUEUE_PROBE_PREFIX}${tag}`;
  const seen = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("queue probe: no delivery in 5 s")), 5000);
    waiting.set(id, () => {
      clearTimeout(timer);
      resolve();
    });
  });
  try {
    await queue.send({ type: "ping", id });
    await seen;
  } finally {
    waiting.delete(id);
  }
}

export async function probe(env: BenchEnv, url: string): Promise<Record<string, number>> {
  const stub = env.RUNS.get(env.RUNS.idFromName("bench-probe"));
  const tag = crypto.randomUUID();
  const body = JSON.stringify({ status: 200, body: { ok: true } });
  await env.DB.exec("CREATE TABLE IF NOT EXISTS bench_probe (k TEXT PRIMARY KEY, v TEXT)");
  const upsert = env.DB.prepare(
    "INSERT INTO bench_probe (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
  );
  const batch = (n: number, i: number) =>
    env.DB.batch(Array.from({ length: n }, (_, j) => upsert.bind(`${tag}-${n}-${i}-${j}`, body)));
  return {
    fetchMs: await medianMs(50, () => fetchOnce(url)),
    fetch500ConcurrentMs: await medianMs(3, () =>
      Promise.all(Array.from({ length: 500 }, () => fetchOnce(url))),
    ),
    d1Batch50Ms: await medianMs(20, (i) => batch(50, i)),
    d1Batch500Ms: await medianMs(5, (i) => batch(500, i)),
    r2HeadMs: await medianMs(50, (i) => env.BLOBS.head(`bench/${tag}/${i}`)),
    r2PutMs: await medianMs(50, (i) => env.BLOBS.put(`bench/${tag}/${i}`, body)),
    doRpcMs: await medianMs(50, () => stub.ping()),
    queueSendMs: await medianMs(50, (i) => env.NODE_WORK.send({ type: "ping", id: `${tag}-${i}` })),
    queueDeliveryMs: await medianMs(30, (i) => queueRoundTrip(env.NODE_WORK, `${tag}-${i}`)),
    ...(await env.BENCH_PROBE.get(env.BENCH_PROBE.idFromName(tag)).gate(url, 30)),
  };
}
