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

  /**
   * `GET /bench/probe-ws`: a hibernatable WebSocket, as the RunObject accepts its subscribers.
   * Each message `{ mode, count, gapMs }` makes the object send `count` frames `{ i, at }`
   * (`at`: Date.now() just before the send), `gapMs` apart, then `{ done: true }`. `mode`:
   * `send` sends only; `write` does a SQLite write before each send (the output gate then holds
   * the frame until the write is durable); `write-alarm` also moves the alarm, as the RunObject
   * does for an inline http node's lease.
   */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade") !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const { mode, count, gapMs } = JSON.parse(String(message)) as {
      mode: "send" | "write" | "write-alarm";
      count: number;
      gapMs: number;
    };
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS w (k INTEGER PRIMARY KEY, v TEXT)");
    for (let i = 0; i < count; i++) {
      if (mode !== "send") {
        sql.exec(
          "INSERT INTO w (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
          i % 100,
          String(Date.now()),
        );
      }
      if (mode === "write-alarm") await this.ctx.storage.setAlarm(Date.now() + 60_000 + i);
      ws.send(JSON.stringify({ i, at: Date.now() }));
      if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
    if (mode === "write-alarm") await this.ctx.storage.deleteAlarm();
    ws.send(JSON.stringify({ done: true }));
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
  }

  override async alarm(): Promise<void> {}
}
