import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { handleLlm } from "./llm-stub";

/**
 * The scripted chat-completions stand-in (test/support/llm-stub.ts) on 127.0.0.1: the one
 * stand-in the suite allows, because no model can be reached here; it also receives
 * notifications at `/hook/<name>` (a real HTTP endpoint, as a channel's is), and answers http
 * nodes at `/flaky/<n>/<name>`: 503 to the first n requests of each name, then 200 (as the
 * workerd suite's fixture server does). Returns its address.
 */
export async function startLlmStub(): Promise<{
  url: string;
  host: string;
  close(): Promise<void>;
}> {
  const hooks = new Map<string, unknown[]>();
  const flaky = new Map<string, number>();
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const parts = new URL(req.url ?? "/", "http://127.0.0.1").pathname.split("/").filter(Boolean);
    // A notification channel's receiver (docs/PEOPLE.md): POST records a body, GET lists them.
    if (parts[0] === "hook") {
      const name = parts[1] ?? "";
      if (req.method === "POST") hooks.set(name, [...(hooks.get(name) ?? []), JSON.parse(body)]);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ bodies: hooks.get(name) ?? [] }));
      return;
    }
    // An OTLP/HTTP endpoint for the telemetry tests: takes every trace, unread.
    if (parts[0] === "otlp") {
      res.writeHead(200).end();
      return;
    }
    if (parts[0] === "flaky") {
      const name = parts[2] ?? "";
      const n = (flaky.get(name) ?? 0) + 1;
      flaky.set(name, n);
      const ok = n > Number(parts[1]);
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify(ok ? { ok: true, n } : { error: "try again", n }));
      return;
    }
    if (parts[0] !== "v1" && parts[0] !== "llm") {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
      return;
    }
    handleLlm(req, res, parts, body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}`,
    host,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
