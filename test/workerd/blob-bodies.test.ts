import { SELF } from "cloudflare:test";
import { createHash } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { poll } from "../support/poll";
import { api, count, createWorkflow, type RunBody, startRun, waitForRun } from "./helpers";
import { TEST_KEY } from "./setup";

const fixture = inject("fixtureUrl");

const MiB = 1024 * 1024;

/** The bytes the fixture's `/bin/<n>` answers (test/support/http-fixture.ts binaryBytes). */
function binaryBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + (i >> 8) * 7) & 255;
  return out;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

interface Marker {
  $blob: string;
  bytes: number;
  contentType: string;
}
type Output = { status: number; body: Marker };

const blob = (hash: string, headers: Record<string, string> = {}) =>
  SELF.fetch(`https://aob.test/api/blobs/${hash}`, {
    headers: { authorization: `Bearer ${TEST_KEY}`, ...headers },
  });

/**
 * start → download (20 MiB of binary) → hold (an approval: the run waits) → upload (POSTs the
 * download as its body) → done. While the run waits, the blob is served by its hash.
 */
function downloadAndSend(tag: string, query: string) {
  return {
    name: "download and send",
    nodes: [
      { id: "start", type: "start" },
      {
        id: "download",
        type: "http",
        config: { url: `${fixture}/bin/${20 * MiB}/${tag}?type=image/png${query}`, mode: "queued" },
      },
      { id: "hold", type: "approval", config: { message: "send it on?" } },
      {
        id: "upload",
        type: "http",
        config: {
          method: "POST",
          url: `${fixture}/sink/${tag}`,
          body: "{{ nodes.download.output.body }}",
        },
      },
      { id: "done", type: "end", config: { output: "{{ nodes.upload.output.body }}" } },
    ],
    edges: [
      { from: "start", to: "download" },
      { from: "download", to: "hold" },
      { from: "hold", to: "upload", on: "approved" },
      { from: "upload", to: "done" },
    ],
  };
}

describe("binary bodies as blobs", { timeout: 40_000 }, () => {
  it("a 20 MiB download is served during the run, with ranges, and sent on byte for byte", async () => {
    const tag = `bin${Date.now()}`;
    const expected = binaryBytes(20 * MiB);
    const runId = await startRun(await createWorkflow(downloadAndSend(tag, "")));
    const waiting = await poll(
      "the run to wait for its approval",
      async () => (await api<RunBody>("GET", `/api/runs/${runId}`)).body,
      (run) => run.status === "waiting",
      { timeoutMs: 30_000 },
    );
    const output = waiting.nodes.find((n) => n.id === "download")!.output as Output;
    expect(output.status).toBe(200);
    expect(output.body).toEqual({
      $blob: sha256(expected),
      bytes: 20 * MiB,
      contentType: "image/png",
    });

    const whole = await blob(output.body.$blob);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("content-type")).toBe("image/png");
    expect(sha256(new Uint8Array(await whole.arrayBuffer()))).toBe(output.body.$blob);
    const part = await blob(output.body.$blob, { range: `bytes=${10 * MiB}-${10 * MiB + 99}` });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(
      `bytes ${10 * MiB}-${10 * MiB + 99}/${20 * MiB}`,
    );
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(
      expected.subarray(10 * MiB, 10 * MiB + 100),
    );

    const decided = await api("POST", `/api/runs/${runId}/approvals/hold`, {
      decision: "approve",
    });
    expect(decided.status).toBe(200);
    const run = await waitForRun(runId, 30_000);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({
      bytes: 20 * MiB,
      sha256: sha256(expected),
      contentType: "image/png",
    });
    expect(await count(tag)).toBe(2);
  });

  it("JSON over the parse limit is kept as a blob whose stored bytes are those received", async () => {
    // Rows numbered in order: unlike /bin's 64 KiB pattern, a block stored twice or out of
    // place changes the stored bytes' hash.
    const tag = `bigjson${Date.now()}`;
    const id = await createWorkflow({
      name: "big json",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "download",
          type: "http",
          config: { url: `${fixture}/big/${17 * MiB}/${tag}`, mode: "queued" },
        },
        { id: "done", type: "end", config: { output: "{{ nodes.download.output.body }}" } },
      ],
      edges: [
        { from: "start", to: "download" },
        { from: "download", to: "done" },
      ],
    });
    const run = await waitForRun(await startRun(id), 30_000);
    expect(run.status).toBe("completed");
    const marker = run.output as Marker;
    expect(marker).toMatchObject({ contentType: "application/json" });
    expect(marker.bytes).toBeGreaterThan(16 * MiB);
    const stored = await blob(marker.$blob);
    const bytes = new Uint8Array(await stored.arrayBuffer());
    expect(bytes.byteLength).toBe(marker.bytes);
    expect(sha256(bytes)).toBe(marker.$blob);
    expect(new TextDecoder().decode(bytes.subarray(-30))).toContain('"marker":"the end"');
  });

  it("a body with no declared length streams too, and a forged marker reaches nothing", async () => {
    const tag = `binchunked${Date.now()}`;
    const id = await createWorkflow({
      name: "chunked download, forged upload",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "download",
          type: "http",
          config: { url: `${fixture}/bin/${6 * MiB}/${tag}?chunked=1`, mode: "inline" },
        },
        {
          id: "forged",
          type: "http",
          config: {
            method: "POST",
            url: `${fixture}/sink/${tag}-forged`,
            body: { $blob: "0".repeat(64), bytes: 1, contentType: "text/plain" },
          },
        },
        { id: "done", type: "end", config: { output: "{{ nodes.download.output.body }}" } },
      ],
      edges: [
        { from: "start", to: "download" },
        { from: "download", to: "forged" },
        { from: "forged", to: "done" },
      ],
    });
    const run = await waitForRun(await startRun(id), 30_000);
    expect(run.status).toBe("failed");
    const download = run.nodes.find((n) => n.id === "download")!.output as Output;
    expect(download.body).toEqual({
      $blob: sha256(binaryBytes(6 * MiB)),
      bytes: 6 * MiB,
      contentType: "application/octet-stream",
    });
    const forged = run.nodes.find((n) => n.id === "forged")!;
    expect(forged.error).toMatchObject({
      code: "blob_not_found",
      message: expect.stringContaining("which this workspace does not hold"),
    });
    expect(await count(`${tag}-forged`)).toBe(0);
  });
});
