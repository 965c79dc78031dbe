import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { fetchTextFor } from "../../platform/fetch";
import { api, count, createWorkflow, startRun, waitForRun } from "./helpers";

const fixture = inject("fixtureUrl");

/** Every form of an inward address the guard must refuse, whatever its spelling. */
const REFUSED = [
  "http://127.0.0.1/",
  "http://127.0.0.1:1/",
  "http://2130706433/",
  "http://0x7f000001/",
  "http://017700000001/",
  "http://127.1/",
  "http://0/",
  "http://0.0.0.0/",
  "http://[::1]/",
  "http://[::ffff:127.0.0.1]/",
  "http://[::ffff:7f00:1]/",
  "http://[::ffff:169.254.169.254]/",
  "http://169.254.169.254/latest/meta-data/",
  "http://[fd00:ec2::254]/",
  "http://metadata.google.internal/computeMetadata/v1/",
  "http://10.0.0.1/",
  "http://172.16.0.1/",
  "http://192.168.1.1/",
  "http://100.64.0.1/",
  "http://224.0.0.1/",
  "http://[fe80::1]/",
  "http://[64:ff9b::7f00:1]/",
  "http://[2002:7f00:1::]/",
  "http://localhost/",
  "http://app.localhost/",
  "ftp://example.com/",
  "file:///etc/passwd",
  "http://user:pass@example.com/",
];

describe("the SSRF-guarded fetch inside workerd", () => {
  const fetchText = fetchTextFor(env);

  it.each(REFUSED)("refuses %s without sending anything", async (url) => {
    const error = await fetchText(url, { method: "GET", headers: {}, timeoutMs: 2000 }).then(
      () => null,
      (err: unknown) => err as { code: string; retryable: boolean },
    );
    expect(error).not.toBeNull();
    expect(["ssrf_blocked", "scheme_not_allowed", "credentials_in_url", "invalid_url"]).toContain(
      error?.code,
    );
    expect(error?.retryable).toBe(false);
  });

  it("reaches the allow-listed fixture, and refuses a redirect from it to a refused address", async () => {
    const ok = await fetchText(`${fixture}/echo/ssrf-ok`, {
      method: "GET",
      headers: {},
      timeoutMs: 2000,
    });
    expect(ok.status).toBe(200);
    const redirected = await fetchText(
      `${fixture}/redirect?to=${encodeURIComponent("http://169.254.169.254/")}`,
      {
        method: "GET",
        headers: {},
        timeoutMs: 2000,
      },
    ).then(
      () => null,
      (err: unknown) => err as { code: string },
    );
    expect(redirected?.code).toBe("ssrf_blocked");
  });

  it("fails an http node with a clear, non-retryable error (no retries despite the default policy)", async () => {
    const id = await createWorkflow({
      name: "ssrf",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "meta",
          type: "http",
          config: { url: "http://169.254.169.254/latest/meta-data/", mode: "queued" },
        },
        {
          id: "loop",
          type: "http",
          config: { url: "http://0x7f000001:8787/api/health", mode: "inline" },
        },
      ],
      edges: [
        { from: "start", to: "meta" },
        { from: "start", to: "loop" },
      ],
    });
    const run = await waitForRun(await startRun(id));
    expect(run.status).toBe("failed");
    for (const nodeId of ["meta", "loop"]) {
      const node = run.nodes.find((n) => n.id === nodeId);
      expect(node?.status).toBe("failed");
      expect(node?.attempt).toBe(1);
      expect(node?.error?.code).toBe("ssrf_blocked");
      expect(node?.error?.message).toMatch(/AOB_HTTP_ALLOWLIST/);
    }
    const events = await api<{ events: { type: string }[] }>("GET", `/api/runs/${run.id}/events`);
    expect(events.body.events.filter((e) => e.type === "node_retrying")).toHaveLength(0);
  });

  it("refuses wildcard-DNS and trailing-dot names before sending, even on the fixture's port", async () => {
    const port = new URL(fixture).port;
    const urls: Record<string, string> = {
      nip: `http://127.0.0.1.nip.io:${port}/echo/ssrf-nip`,
      dots: `http://localhost..:${port}/echo/ssrf-dots`,
    };
    const id = await createWorkflow({
      name: "ssrf-names",
      nodes: [
        { id: "start", type: "start" },
        ...Object.entries(urls).map(([nodeId, url]) => ({
          id: nodeId,
          type: "http",
          config: { url, mode: "inline" },
        })),
      ],
      edges: Object.keys(urls).map((to) => ({ from: "start", to })),
    });
    const run = await waitForRun(await startRun(id));
    expect(run.status).toBe("failed");
    const error = (nodeId: string) => run.nodes.find((n) => n.id === nodeId)?.error;
    expect(error("nip")).toMatchObject({ code: "ssrf_blocked", retryable: false });
    expect(error("nip")?.message).toContain(
      "127.0.0.1.nip.io is a wildcard-DNS service name (nip.io) that resolves to any address it embeds",
    );
    expect(error("dots")).toMatchObject({ code: "ssrf_blocked" });
    expect(error("dots")?.message).toContain("localhost is a loopback name");
    expect(await count("ssrf-nip")).toBe(0);
    expect(await count("ssrf-dots")).toBe(0);
  });
});
