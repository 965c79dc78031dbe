import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { toNodeError } from "../../core/errors";
import { parseAllowlist } from "../../core/net/allowlist";
import { HttpFetchError } from "../../core/net/http-fetch-error";
import { createGuardedFetch, type GuardedFetchOptions } from "./guarded-fetch";

interface Hit {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  origin: string;
  port: number;
  hits: Hit[];
}

type Handler = (req: IncomingMessage, res: ServerResponse, server: TestServer) => void;

const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A real HTTP server on 127.0.0.1 that records every request it receives. */
async function serve(handler: Handler): Promise<TestServer> {
  const hits: Hit[] = [];
  const state: TestServer = { origin: "", port: 0, hits };
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    hits.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
    handler(req, res, state);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.port = (server.address() as AddressInfo).port;
  state.origin = `http://127.0.0.1:${state.port}`;
  closers.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  return state;
}

const redirectTo =
  (status: number, location: string) => (_: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { location });
    res.end();
  };

const text =
  (body: string, status = 200) =>
  (_: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
    res.end(body);
  };

const guarded = (allowlist: string, options: Omit<GuardedFetchOptions, "allowlist"> = {}) =>
  createGuardedFetch({ allowlist: parseAllowlist(allowlist), ...options });

/** Runs `promise`, which must reject with an HttpFetchError, and returns that error. */
async function failure(promise: Promise<unknown>): Promise<HttpFetchError> {
  const thrown = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(thrown).toBeInstanceOf(HttpFetchError);
  return thrown as HttpFetchError;
}

describe("guardedFetch on an allow-listed server", () => {
  it("returns status, headers, the decoded body and the final URL", async () => {
    const server = await serve((_, res) => {
      res.setHeader("set-cookie", ["a=1", "b=2"]);
      text("héllo wörld ✓", 201)(_, res);
    });
    const res = await guarded("127.0.0.1")(`${server.origin}/items?x=1`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-trace": "t1" },
      body: '{"a":1}',
    });
    expect(res).toMatchObject({ status: 201, body: "héllo wörld ✓", redirects: 0 });
    expect(res.url).toBe(`${server.origin}/items?x=1`);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.headers["set-cookie"]).toBe("a=1, b=2");
    expect(server.hits).toEqual([
      expect.objectContaining({ method: "POST", path: "/items?x=1", body: '{"a":1}' }),
    ]);
    expect(server.hits[0]?.headers["x-trace"]).toBe("t1");
  });

  it("returns a non-2xx status instead of throwing", async () => {
    const server = await serve(text("nope", 404));
    const res = await guarded("127.0.0.1")(server.origin);
    expect(res).toMatchObject({ status: 404, body: "nope" });
  });

  it("decodes UTF-8 split across chunks", async () => {
    const server = await serve((_, res) => {
      res.writeHead(200);
      const bytes = new TextEncoder().encode("€uro");
      res.write(bytes.subarray(0, 1));
      res.write(bytes.subarray(1, 2));
      res.end(bytes.subarray(2));
    });
    expect((await guarded("127.0.0.1")(server.origin)).body).toBe("€uro");
  });
});

describe("guardedFetch refuses before anything is sent", () => {
  it("refuses a loopback server that is not allow-listed; the server sees nothing", async () => {
    const server = await serve(text("secret"));
    const error = await failure(guarded("")(server.origin));
    expect(error.toJSON()).toEqual({
      code: "ssrf_blocked",
      message: expect.stringContaining("127.0.0.1 is a loopback address"),
      retryable: false,
    });
    expect(server.hits).toHaveLength(0);
  });

  it.each([
    ["not a url", "invalid_url"],
    ["/relative/path", "invalid_url"],
    ["file:///etc/passwd", "scheme_not_allowed"],
    ["http://user:pw@example.com/", "credentials_in_url"],
    ["http://169.254.169.254/latest/meta-data", "ssrf_blocked"],
  ])("%s is %s and not retryable", async (url, code) => {
    const error = await failure(guarded("")(url));
    expect(error).toMatchObject({ code, retryable: false });
  });
});

describe("guardedFetch redirects", () => {
  it("re-checks every Location: a redirect to a refused target never reaches it", async () => {
    const target = await serve(text("internal"));
    const targets = [
      `http://127.0.0.1:${target.port}/`,
      `http://localhost:${target.port}/`,
      `http://2130706433:${target.port}/`,
      "http://169.254.169.254/latest/meta-data",
      "http://[::ffff:169.254.169.254]/",
    ];
    for (const location of targets) {
      const entry = await serve(redirectTo(302, location));
      const error = await failure(guarded(`127.0.0.1:${entry.port}`)(entry.origin));
      expect(error).toMatchObject({ code: "ssrf_blocked", retryable: false });
      expect(error.message).toContain(`redirected from ${entry.origin}`);
      expect(entry.hits).toHaveLength(1);
    }
    expect(target.hits).toHaveLength(0);
  });

  it("refuses a redirect to another scheme", async () => {
    const entry = await serve(redirectTo(301, "file:///etc/passwd"));
    const error = await failure(guarded("127.0.0.1")(entry.origin));
    expect(error.code).toBe("scheme_not_allowed");
  });

  it("follows a chain within the allow-list, across servers", async () => {
    const end = await serve(text("arrived"));
    const start = await serve((req, res) => {
      if (req.url === "/start") redirectTo(302, "/middle")(req, res);
      else redirectTo(308, `${end.origin}/end?k=v`)(req, res);
    });
    const res = await guarded("127.0.0.1")(`${start.origin}/start`);
    expect(res).toMatchObject({ status: 200, body: "arrived", redirects: 2 });
    expect(res.url).toBe(`${end.origin}/end?k=v`);
    expect(start.hits.map((h) => h.path)).toEqual(["/start", "/middle"]);
  });

  it("gives up after maxRedirects", async () => {
    const loop = await serve((req, res) => redirectTo(302, `${req.url}x`)(req, res));
    const error = await failure(guarded("127.0.0.1", { maxRedirects: 3 })(`${loop.origin}/r`));
    expect(error).toMatchObject({ code: "too_many_redirects", retryable: false });
    expect(loop.hits).toHaveLength(4);
  });

  it("turns a POST into a GET without body on 303, and on 302", async () => {
    for (const status of [303, 302]) {
      const server = await serve((req, res) =>
        req.url === "/submit" ? redirectTo(status, "/done")(req, res) : text("ok")(req, res),
      );
      const res = await guarded("127.0.0.1")(`${server.origin}/submit`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-keep": "1" },
        body: '{"order":42}',
      });
      expect(res).toMatchObject({ status: 200, redirects: 1 });
      const [post, get] = server.hits;
      expect(post).toMatchObject({ method: "POST", body: '{"order":42}' });
      expect(get).toMatchObject({ method: "GET", path: "/done", body: "" });
      expect(get?.headers["content-type"]).toBeUndefined();
      expect(get?.headers["x-keep"]).toBe("1");
    }
  });

  it("resends method and body on 307", async () => {
    const server = await serve((req, res) =>
      req.url === "/a" ? redirectTo(307, "/b")(req, res) : text("ok")(req, res),
    );
    await guarded("127.0.0.1")(`${server.origin}/a`, { method: "PUT", body: "v=1" });
    expect(server.hits.map((h) => [h.method, h.path, h.body])).toEqual([
      ["PUT", "/a", "v=1"],
      ["PUT", "/b", "v=1"],
    ]);
  });

  it("drops Authorization and Cookie when leaving the origin, keeps them within it", async () => {
    const other = await serve(text("other"));
    const server = await serve((req, res) => {
      if (req.url === "/a") redirectTo(302, "/b")(req, res);
      else redirectTo(302, `${other.origin}/c`)(req, res);
    });
    await guarded("127.0.0.1")(`${server.origin}/a`, {
      headers: { authorization: "Bearer s3cret", cookie: "sid=1", "x-other": "y" },
    });
    expect(server.hits[1]?.headers.authorization).toBe("Bearer s3cret");
    expect(other.hits[0]?.headers.authorization).toBeUndefined();
    expect(other.hits[0]?.headers.cookie).toBeUndefined();
    expect(other.hits[0]?.headers["x-other"]).toBe("y");
  });
});

describe("guardedFetch limits", () => {
  it("refuses a body that streams past maxResponseBytes, without reading it to the end", async () => {
    // The server streams without Content-Length until the client goes away (or a ceiling far
    // beyond anything the guard should read), so only a cap enforced while streaming ends it.
    const ceiling = 256 * 1024 * 1024;
    let written = 0;
    const server = await serve((_, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      const chunk = "x".repeat(1024);
      const pump = () => {
        while (written < ceiling && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
    });
    const error = await failure(guarded("127.0.0.1", { maxResponseBytes: 10_000 })(server.origin));
    expect(error).toMatchObject({ code: "response_too_large", retryable: false });
    expect(error.message).toContain("10000-byte limit");
    expect(written).toBeLessThan(ceiling);
  });

  it("refuses up front when Content-Length exceeds the cap, and accepts a body at the cap", async () => {
    const big = await serve(text("y".repeat(2048)));
    const error = await failure(guarded("127.0.0.1", { maxResponseBytes: 2047 })(big.origin));
    expect(error.code).toBe("response_too_large");
    const res = await guarded("127.0.0.1", { maxResponseBytes: 2048 })(big.origin);
    expect(res.body).toHaveLength(2048);
  });

  it("times out when the server never answers", async () => {
    const silent = await serve(() => {});
    const error = await failure(guarded("127.0.0.1", { timeoutMs: 200 })(silent.origin));
    expect(error).toMatchObject({ code: "timeout", retryable: true });
    expect(error.message).toContain("200 ms");
  });

  it("times out when the body stalls after the headers", async () => {
    const stalling = await serve((_, res) => {
      res.writeHead(200);
      res.write("partial");
    });
    const error = await failure(guarded("127.0.0.1", { timeoutMs: 200 })(stalling.origin));
    expect(error).toMatchObject({ code: "timeout", retryable: true });
  });

  it("reports a cancellation by the caller's signal as aborted", async () => {
    const controller = new AbortController();
    const server = await serve(() => controller.abort());
    const error = await failure(guarded("127.0.0.1")(server.origin, { signal: controller.signal }));
    expect(error).toMatchObject({ code: "aborted", retryable: false });
  });

  it("reports a refused connection as a retryable network_error", async () => {
    const gone = await serve(text("bye"));
    await closers.pop()?.();
    const error = await failure(guarded("127.0.0.1")(gone.origin));
    expect(error).toMatchObject({ code: "network_error", retryable: true });
    expect(error.message).toContain(gone.origin);
  });
});

describe("HttpFetchError crosses boundaries as data", () => {
  it("serialises to { code, message, retryable } and converts to a NodeError", async () => {
    const error = await failure(guarded("")("http://[::1]/"));
    const data = { code: "ssrf_blocked", message: error.message, retryable: false };
    expect(JSON.parse(JSON.stringify(error))).toEqual(data);
    expect(toNodeError(error)).toEqual(data);
  });
});
