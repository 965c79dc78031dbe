import { DurableObject } from "cloudflare:workers";
import { fetchOnce, queueRoundTrip } from "./probe";

/**
 * Measures, inside a Durable Object, what a SQLite write costs the outgoing request after it:
 * the output gate holds a fetch or a queue send until the write is durable, which is the rule
 * the RunObject relies on (state is durable before any effect of it leaves the object).
 */
export class ProbeObject extends DurableObject<Env> {
  async gate(url: string, rounds: number): Promise<Record<string, number>> {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT)");
    const write = (i: number) =>
      this.ctx.storage.sql.exec(
        "INSERT INTO t (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
        i % 100,
        String(Date.now()),
      );
    const med = async (fn: (i: number) => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const t0 = Date.now();
        await fn(i);
        times.push(Date.now() - t0);
      }
      times.sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)]!;
    };
    return {
      doFetchMs: await med(() => fetchOnce(url)),
      doWriteThenFetchMs: await med((i) => {
        write(i);
        return fetchOnce(url);
      }),
      doSendMs: await med((i) => this.env.NODE_WORK.send({ type: "ping", id: `probe-${i}` })),
      doWriteThenSendMs: await med((i) => {
        write(i);
        return this.env.NODE_WORK.send({ type: "ping", id: `probe-w-${i}` });
      }),
      doDeliveryMs: await med((i) => queueRoundTrip(this.env.NODE_WORK, `do-${i}`)),
      doWriteThenDeliveryMs: await med((i) => {
        write(i);
        return queueRoundTrip(this.env.NODE_WORK, `do-w-${i}`);
      }),
    };
  }
}
