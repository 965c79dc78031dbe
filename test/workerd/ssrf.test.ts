import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { fetchTextFor } from "../../workers/platform/fetch";
import { api, createWorkflow, startRun, waitForRun } from "./helpers";

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
});
