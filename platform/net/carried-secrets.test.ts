import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { parseAllowlist } from "../../core/net/allowlist";
import type { CarriedSecret } from "../../core/net/carried-secrets";
import { createGuardedFetch } from "./guarded-fetch";

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
}

/** A real server on 127.0.0.1: `/go` redirects (307) to `?to=`, anything else answers 200. */
async function serve(): Promise<{ origin: string; host: string; hits: Hit[] }> {
  const hits: Hit[] = [];
  const server = createServer(async (req, res) => {
    for await (const _ of req) {
      // drain the body
    }
    hits.push({ path: req.url ?? "", headers: req.headers });
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/go") {
      res.writeHead(307, { location: url.searchParams.get("to") ?? "/" });
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { origin: `http://${host}`, host, hits };
}

const secret = (over: Partial<CarriedSecret>): CarriedSecret => ({
  name: "KEY",
  value: "v-123",
  allowedHosts: null,
  headers: ["x-api-key"],
  inBody: false,
  inUrl: false,
  ...over,
});

describe("secrets carried by the guarded fetch", () => {
  it("never follow a redirect from https to http, even to the same host", async () => {
    const server = await serve();
    // The first hop is https: a TLS terminator in front of the same server stands for it.
    const tls = `https://${server.host}`;
    const guarded = createGuardedFetch({
      allowlist: parseAllowlist(server.host),
      fetchImpl: (input, init) => fetch(input.replace(tls, server.origin), init),
    });
    const res = await guarded(`${tls}/go?to=${encodeURIComponent(`${server.origin}/next`)}`, {
      headers: { "x-api-key": "v-123", "x-plain": "kept" },
      secrets: [secret({})],
    });
    expect(res.status).toBe(200);
    expect(server.hits.map((h) => h.headers["x-api-key"] ?? null)).toEqual(["v-123", null]);
    expect(server.hits[1]!.headers["x-plain"]).toBe("kept");
  });

  it("refuse a hop to a host the secret is not bound to, before sending", async () => {
    const server = await serve();
    const guarded = createGuardedFetch({ allowlist: parseAllowlist(server.host) });
    await expect(
      guarded(`${server.origin}/x`, {
        headers: { "x-api-key": "v-123" },
        secrets: [secret({ allowedHosts: ["api.example.com", "*.example.com"] })],
      }),
    ).rejects.toMatchObject({
      code: "secret_host_not_allowed",
      message: expect.stringContaining(
        'secret "KEY" may be sent only to api.example.com, *.example.com, not to 127.0.0.1',
      ),
    });
    expect(server.hits).toEqual([]);
  });
});
