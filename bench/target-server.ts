import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface TargetServer {
  /** The URL http nodes and Workflows steps fetch. */
  url: string;
  /** Requests answered so far (a sanity check that every node really fetched). */
  requests(): number;
  close(): Promise<void>;
}

/**
 * The endpoint every http node of the bench calls: node:http on 127.0.0.1, answering a small
 * JSON body at once, so what is measured is the engine, not the server. `?ms=N` answers after N
 * ms instead (the WebSocket bench uses it to pace a run's events).
 */
export async function startTargetServer(): Promise<TargetServer> {
  let count = 0;
  const body = JSON.stringify({ ok: true });
  const server = createServer((req, res) => {
    count++;
    req.resume();
    const answer = () => {
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      });
      res.end(body);
    };
    const ms = Number(new URL(req.url ?? "/", "http://x").searchParams.get("ms") ?? 0);
    if (ms > 0) setTimeout(answer, ms);
    else answer();
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ok`,
    requests: () => count,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
