import { describe, expect, inject, it } from "vitest";
import { api, createWorkflow, type RunBody, seen, startRun, waitForRun } from "./helpers";

/**
 * Where a secret may travel once it is in a request (SECURITY.md, "Secrets"): a redirect to
 * another origin never carries it, a bound secret reaches only its allowed hosts (first hop and
 * redirects), and nothing stored holds its value in any encoding. Two origins of one real
 * server: 127.0.0.1 and 127.0.0.2.
 */
const one = inject("fixtureUrl");
const two = inject("fixtureUrl2");

async function newSecret(name: string, allowedHosts?: string[], value?: string): Promise<string> {
  const v = value ?? `sk_${name}_${crypto.randomUUID().replaceAll("-", "")}`;
  const body = allowedHosts ? { value: v, allowedHosts } : { value: v };
  expect((await api("PUT", `/api/secrets/${name}`, body)).status).toBe(200);
  return v;
}

/** Runs one http node (no retries) and returns it. */
async function call(config: Record<string, unknown>) {
  const wf = await createWorkflow({
    name: "egress",
    nodes: [
      { id: "start", type: "start" },
      { id: "call", type: "http", config, retry: { maxAttempts: 1 } },
    ],
    edges: [{ from: "start", to: "call" }],
  });
  const run: RunBody = await waitForRun(await startRun(wf));
  return run.nodes.find((n) => n.id === "call")!;
}

const via = (target: string, status = 307) =>
  `${one}/redirect?status=${status}&to=${encodeURIComponent(target)}`;

describe("secrets in flight", () => {
  it("a redirect to another origin drops the headers that carried one", async () => {
    const value = await newSecret("HEADER_KEY");
    const node = await call({
      method: "POST",
      url: via(`${two}/raw/cross-header`),
      headers: { "x-api-key": "{{ secrets.HEADER_KEY }}", "x-plain": "kept" },
      body: { note: "plain" },
    });
    expect(node.status).toBe("succeeded");
    const got = (node.output as { body: { headers: Record<string, string> } }).body.headers;
    expect(got["x-api-key"]).toBeUndefined();
    expect(got["x-plain"]).toBe("kept");
    expect(await seen(value)).toBe(1); // the first hop only
  });

  it("a redirect to another origin that would resend a body holding one is refused", async () => {
    const value = await newSecret("BODY_KEY");
    const node = await call({
      method: "POST",
      url: via(`${two}/raw/cross-body`),
      body: { token: "{{ secrets.BODY_KEY }}" },
    });
    expect(node.error).toMatchObject({ code: "secret_redirect_refused" });
    expect(node.error?.message).toContain('secret "BODY_KEY"');
    expect(await seen(value)).toBe(1);
    expect(await seen(" /raw/cross-body")).toBe(0); // the target got nothing
  });

  it("a same-origin redirect keeps them", async () => {
    const value = await newSecret("SAME_KEY");
    const node = await call({
      url: via(`${one}/raw/same-origin`, 302),
      headers: { "x-api-key": "{{ secrets.SAME_KEY }}" },
    });
    expect(node.status).toBe("succeeded");
    const got = (node.output as { body: { headers: Record<string, string> } }).body.headers;
    expect(got["x-api-key"]).toBe("[redacted:SAME_KEY]");
    expect(await seen(value)).toBe(2);
  });

  it("a bound secret is refused before it is sent to another host, and reaches its own", async () => {
    const value = await newSecret("BOUND_KEY", ["127.0.0.2"]);
    const refused = await call({
      url: `${one}/raw/bound`,
      headers: { authorization: "Bearer {{ secrets.BOUND_KEY }}" },
    });
    expect(refused.error).toMatchObject({ code: "secret_host_not_allowed" });
    expect(refused.error?.message).toContain(
      'secret "BOUND_KEY" may be sent only to 127.0.0.2, not to 127.0.0.1',
    );
    expect(await seen(value)).toBe(0);
    const allowed = await call({
      url: `${two}/raw/bound`,
      headers: { authorization: "Bearer {{ secrets.BOUND_KEY }}" },
    });
    expect(allowed.status).toBe("succeeded");
    expect(await seen(value)).toBe(1);
  });

  it("a bound secret is refused when a redirect would carry it to another host", async () => {
    const value = await newSecret("HOP_KEY", ["127.0.0.1"]);
    // The first server copies the secret from its URL into the Location it answers.
    const node = await call({
      url: `${one}/redirect?to=${encodeURIComponent(`${two}/raw/hop?k=`)}{{ secrets.HOP_KEY }}`,
    });
    expect(node.error).toMatchObject({ code: "secret_host_not_allowed" });
    expect(node.error?.message).toMatch(/not to 127\.0\.0\.2 \(redirected from/);
    expect(await seen(value)).toBe(1);
  });

  it("keeps values out of outputs and errors in every encoding", async () => {
    const value = await newSecret("ENC_KEY", undefined, "Ab/Cd ef+Gh%Ij=Kl");
    const echoed = await call({ url: `${one}/raw/encoded?k={{ secrets.ENC_KEY }}` });
    expect(echoed.status).toBe("succeeded");
    const output = JSON.stringify(echoed.output);
    expect(output).toContain("[redacted:ENC_KEY]");
    const host = await newSecret("HOST_KEY", undefined, "MiXeDHost7");
    const refused = await call({ url: "http://{{ secrets.HOST_KEY }}.localhost/x" });
    expect(refused.error?.code).toBe("ssrf_blocked");
    expect(refused.error?.message).toContain("[redacted:HOST_KEY].localhost");
    const stored = `${output}\n${JSON.stringify(refused)}`;
    for (const form of [value, encodeURIComponent(value), host, host.toLowerCase()]) {
      expect(stored.toLowerCase().includes(form.toLowerCase()), form).toBe(false);
    }
    expect(stored).not.toContain("Ab/Cd%20ef+Gh%Ij=Kl"); // as the URL parser wrote it
  });

  it("a changed value, binding or deletion applies to the next request", async () => {
    const first = await newSecret("ROTATED_KEY");
    const headers = { "x-api-key": "{{ secrets.ROTATED_KEY }}" };
    expect((await call({ url: `${one}/raw/rotate`, headers })).status).toBe("succeeded");
    const second = await newSecret("ROTATED_KEY");
    expect((await call({ url: `${one}/raw/rotate`, headers })).status).toBe("succeeded");
    expect([await seen(first), await seen(second)]).toEqual([1, 1]);
    const bound = await api("PATCH", "/api/secrets/ROTATED_KEY", { allowedHosts: ["127.0.0.2"] });
    expect(bound.status).toBe(200);
    const refused = await call({ url: `${one}/raw/rotate`, headers });
    expect(refused.error).toMatchObject({ code: "secret_host_not_allowed" });
    expect((await api("DELETE", "/api/secrets/ROTATED_KEY")).status).toBe(204);
    const gone = await call({ url: `${two}/raw/rotate`, headers });
    expect(gone.error).toMatchObject({ code: "secret_not_found" });
    expect(await seen(second)).toBe(1);
  });
});
