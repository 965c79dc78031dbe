import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface TargetServer {
  /** The URL http nodes and Workflows steps fetch. */
  url: string;
  /** A URL answering JSON of exactly `bytes` bytes: `{"data":"xxx…"}` (the payload bench). */
  payloadUrl(bytes: number): string;
  /** Requests answered so far (a sanity check that every node really fetched). */
  requests(): number;
  close(): Promise<void>;
}

/** `{"data":""}`: what a payload body holds besides its string. */
const PAYLOAD_FRAME = Buffer.byteLength('{"data":""}');

/** `{"data":"xxx…"}` of exactly `bytes` bytes (at least the 11 of the empty frame). */
function payloadBody(bytes: number): Buffer {
  const body = Buffer.alloc(Math.max(bytes, PAYLOAD_FRAME), "x");
  body.write('{"data":"', 0);
  body.write('"}', body.length - 2);
  return body;
}

/**
 * The endpoint every http node of the bench calls: node:http on 127.0.0.1, answering a small
 * JSON body at once, so what is measured is the engine, not the server. `?ms=N` answers after N
 * ms instead (the WebSocket bench uses it to pace a run's events). `/json?bytes=N` answers JSON
 * of N bytes with its Content-Length (the payload bench); the last body is kept, so that
 * building 50 MiB is not timed in every round.
 */
export async function startTargetServer(): Promise<TargetServer> {
  let count = 0;
  const small: Buffer = Buffer.from(JSON.stringify({ ok: true }));
  let cached: Buffer = small;
  const server = createServer((req, res) => {
    count++;
    req.resume();
    const url = new URL(req.url ?? "/", "http://x");
    let body = small;
    if (url.pathname === "/json") {
      const bytes = Number(url.searchParams.get("bytes") ?? 0);
      if (cached.length !== bytes || cached === small) cached = payloadBody(bytes);
      body = cached;
    }
    const answer = () => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    };
    const ms = Number(url.searchParams.get("ms") ?? 0);
    if (ms > 0) setTimeout(answer, ms);
    else answer();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/ok`,
    payloadUrl: (bytes) => `${origin}/json?bytes=${bytes}`,
    requests: () => count,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
