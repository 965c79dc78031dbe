import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { handleLlm } from "./llm-stub";
import { handleMcp } from "./mcp-fixture";
import { decodeTraceRequest, type ReceivedSpan } from "./otlp-receiver";

/**
 * A real HTTP server on 127.0.0.1 for http-node tests, started once for the workerd project.
 * Routes:
 * - `GET|POST /echo/<name>?...` answers JSON `{ name, method, query, body, count }` and counts
 *   the request under <name>;
 * - `GET /status/<code>/<name>` answers that status (counted);
 * - `GET|POST /raw/<name>` answers JSON `{ url, headers }`: the request line's URL as sent
 *   (percent-encoded) and the headers;
 * - `GET /flaky/<n>/<name>` fails with 503 for the first n requests of <name>, then 200;
 * - `GET /slow/<ms>/<name>` answers after <ms> milliseconds;
 * - `GET /hold/<ms>/<name>` holds the request open <ms> milliseconds, counting how many of
 *   <name> are open at once; `GET /held/<name>` answers `{ total, open, most }` (not counted);
 * - `GET|POST /keyed/<name>?fail=<n>&ms=<ms>` records the request's `Idempotency-Key` (or null)
 *   under <name>, fails with 503 for the first n requests, else answers after <ms> ms;
 *   `GET /keys/<name>` answers the keys recorded, in order, as `{ keys }`;
 * - `GET|POST /redirect?to=<url>[&status=307]` answers 302 (or the status) to <url>;
 * - `GET /counts/<name>` reads a counter without counting; `POST /reset` clears them;
 * - `GET /big/<bytes>/<name>` answers JSON of ~1,000-character rows (`{ total, rows: [{ i, text }], marker }`),
 *   one row per KiB asked for, the text made of `?char=` (default `x`);
 * - `GET /deep/<depth>` answers JSON arrays nested <depth> levels deep;
 * - `GET /bin/<bytes>/<name>` answers <bytes> of binary (`binaryBytes`), as `?type=` (default
 *   application/octet-stream), in 64 KiB writes, without Content-Length when `?chunked=1`;
 * - `POST /sink/<name>` answers what it received: `{ bytes, sha256, contentType }` (counted, not
 *   recorded for `/seen`);
 * - `POST /inbox/<n>/<name>` (a notification channel) fails with 503 for the first n requests of
 *   <name>, then records the body and answers 200; `GET /inbox/read/<name>` answers
 *   `{ requests, bodies }`: requests received (failed ones too) and the bodies recorded;
 * - `POST /otlp/<n>/<name>/v1/traces` (an OTLP/HTTP collector) fails with 503 for the first n
 *   requests of <name>, then decodes the body with the official protobuf types
 *   (otlp-receiver.ts) and answers 200; `GET /otlp/read/<name>` answers `{ requests, exports }`:
 *   requests received (failed ones too) and, per accepted one, its content type, `x-api-key`
 *   header, the decoded spans and the raw body in base64;
 * - `POST /seen` with a text body: how many requests received so far (by either server) held
 *   that text anywhere (request line, headers or body), as `{ count }`; not itself recorded;
 * - `POST /v1/chat/completions` and `/llm/...`: the scripted chat-completions stub (llm-stub.ts);
 * - `POST /mcp/<name>` and `GET /mcp-calls/<name>`: a real MCP server built with the official SDK,
 *   and the tool calls it took (mcp-fixture.ts).
 * The same routes answer on a second origin, `fixtureUrl2` (127.0.0.2), for cross-origin tests.
 */
export default async function setup(project: TestProject) {
  const counts = new Map<string, number>();
  const bump = (name: string) => {
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    return n;
  };
  const keys = new Map<string, (string | null)[]>();
  /** `/hold/<ms>/<name>`: requests of each name in all, open now, and open at most at once. */
  const holds = new Map<string, { total: number; open: number; most: number }>();
  /** `/inbox/<n>/<name>`: the bodies each notification channel recorded. */
  const inboxes = new Map<string, unknown[]>();
  /** `/otlp/<n>/<name>/v1/traces`: each accepted export, decoded. */
  const collectors = new Map<string, unknown[]>();
  /** Every request received, as text: request line, headers, body. */
  const received: string[] = [];
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const parts = url.pathname.split("/").filter(Boolean);
    // Decoded once: a multi-byte character may straddle two chunks.
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const body = raw.toString("utf8");
    if (parts[0] !== "seen" && parts[0] !== "sink") {
      received.push(`${req.method} ${req.url}\n${req.rawHeaders.join("\n")}\n\n${body}`);
    }
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    switch (parts[0]) {
      case "echo": {
        const name = parts[1] ?? "default";
        const count = bump(name);
        let parsed: unknown = body;
        try {
          parsed = body ? JSON.parse(body) : null;
        } catch {
          // a non-JSON body is echoed as text
        }
        return json(200, {
          name,
          method: req.method,
          query: Object.fromEntries(url.searchParams),
          body: parsed,
          count,
        });
      }
      case "raw":
        return json(200, { url: req.url, headers: req.headers });
      case "status": {
        const name = parts[2] ?? "status";
        bump(name);
        return json(Number(parts[1]), { status: Number(parts[1]) });
      }
      case "inbox": {
        if (parts[1] === "read") {
          const name = parts[2] ?? "";
          return json(200, {
            requests: counts.get(`inbox:${name}`) ?? 0,
            bodies: inboxes.get(name) ?? [],
          });
        }
        const name = parts[2] ?? "inbox";
        const n = bump(`inbox:${name}`);
        if (n <= Number(parts[1])) return json(503, { error: "try again", n });
        inboxes.set(name, [...(inboxes.get(name) ?? []), JSON.parse(body) as unknown]);
        return json(200, { ok: true });
      }
      case "otlp": {
        if (parts[1] === "read") {
          const name = parts[2] ?? "";
          return json(200, {
            requests: counts.get(`otlp:${name}`) ?? 0,
            exports: collectors.get(name) ?? [],
          });
        }
        const name = parts[2] ?? "otlp";
        const n = bump(`otlp:${name}`);
        if (n <= Number(parts[1])) return json(503, { error: "try again", n });
        let spans: ReceivedSpan[];
        try {
          spans = decodeTraceRequest(raw);
        } catch (err) {
          return json(400, { error: String(err) });
        }
        const accepted = {
          contentType: req.headers["content-type"] ?? null,
          apiKey: req.headers["x-api-key"] ?? null,
          spans,
          base64: raw.toString("base64"),
        };
        collectors.set(name, [...(collectors.get(name) ?? []), accepted]);
        // An empty ExportTraceServiceResponse: everything accepted.
        res.writeHead(200, { "content-type": "application/x-protobuf" });
        return res.end();
      }
      case "flaky": {
        const name = parts[2] ?? "flaky";
        const n = bump(name);
        return n <= Number(parts[1])
          ? json(503, { error: "try again", n })
          : json(200, { ok: true, n });
      }
      case "slow": {
        const name = parts[2] ?? "slow";
        bump(name);
        setTimeout(() => json(200, { slow: true }), Number(parts[1]));
        return;
      }
      case "hold": {
        const name = parts[2] ?? "hold";
        const h = holds.get(name) ?? { total: 0, open: 0, most: 0 };
        holds.set(name, h);
        h.total++;
        h.open++;
        h.most = Math.max(h.most, h.open);
        setTimeout(() => {
          h.open--;
          json(200, { held: true, n: h.total });
        }, Number(parts[1]));
        return;
      }
      case "held":
        return json(200, holds.get(parts[1] ?? "") ?? { total: 0, open: 0, most: 0 });
      case "keyed": {
        const name = parts[1] ?? "keyed";
        const header = req.headers["idempotency-key"];
        keys.set(name, [...(keys.get(name) ?? []), typeof header === "string" ? header : null]);
        const n = bump(name);
        if (n <= Number(url.searchParams.get("fail") ?? 0)) return json(503, { n });
        setTimeout(() => json(200, { n }), Number(url.searchParams.get("ms") ?? 0));
        return;
      }
      case "keys":
        return json(200, { keys: keys.get(parts[1] ?? "") ?? [] });
      case "redirect":
        res.writeHead(Number(url.searchParams.get("status") ?? 302), {
          location: url.searchParams.get("to") ?? "/",
        });
        return res.end();
      case "big": {
        // About <bytes> of JSON: rows of ~1 KiB each, the last one holding `marker`.
        bump(parts[2] ?? "big");
        const rows = Math.max(1, Math.ceil(Number(parts[1]) / 1024));
        const text = (url.searchParams.get("char") ?? "x").repeat(1000);
        const value = {
          total: rows,
          rows: Array.from({ length: rows }, (_, i) => ({ i, text })),
          marker: "the end",
        };
        return json(200, value);
      }
      case "bin": {
        bump(parts[2] ?? "bin");
        const bytes = binaryBytes(Number(parts[1]));
        const headers: Record<string, string> = {
          "content-type": url.searchParams.get("type") ?? "application/octet-stream",
        };
        if (url.searchParams.get("chunked") !== "1")
          headers["content-length"] = String(bytes.length);
        res.writeHead(200, headers);
        for (let at = 0; at < bytes.length; at += 64 * 1024) {
          if (!res.write(bytes.subarray(at, at + 64 * 1024))) {
            await new Promise((resolve) => res.once("drain", resolve));
          }
        }
        return res.end();
      }
      case "sink":
        bump(parts[1] ?? "sink");
        return json(200, {
          bytes: raw.length,
          sha256: createHash("sha256").update(raw).digest("hex"),
          contentType: req.headers["content-type"] ?? null,
        });
      case "deep": {
        // Arrays nested <depth> levels deep.
        const depth = Number(parts[1]);
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(`${"[".repeat(depth)}${"]".repeat(depth)}`);
      }
      case "seen":
        return json(200, { count: received.filter((r) => r.includes(body)).length });
      case "counts":
        return json(200, { count: counts.get(parts[1] ?? "") ?? 0 });
      case "reset":
        counts.clear();
        return json(200, { ok: true });
      case "v1":
      case "llm":
        return handleLlm(req, res, parts, body);
      case "mcp":
      case "mcp-calls":
        return handleMcp(req, res, parts, body);
      default:
        return json(404, { error: "no route" });
    }
  };
  const server = createServer(handler);
  const second = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => second.listen(0, "127.0.0.2", resolve));
  const { port } = server.address() as AddressInfo;
  project.provide("fixtureUrl", `http://127.0.0.1:${port}`);
  project.provide("fixtureUrl2", `http://127.0.0.2:${(second.address() as AddressInfo).port}`);
  const close = (s: typeof server) => new Promise<void>((resolve) => s.close(() => resolve()));
  return async () => {
    await Promise.all([close(server), close(second)]);
  };
}

/** The bytes `GET /bin/<n>` answers: a fixed pattern, so tests can compute their hash. */
export function binaryBytes(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >> 8) * 7) & 255;
  return out;
}
