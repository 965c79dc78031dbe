import { SELF } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { api, count, createWorkflow, type RunBody, startRun, waitForRun } from "./helpers";
import { TEST_KEY } from "./setup";

const fixture = inject("fixtureUrl");

type NodeOf = RunBody["nodes"][number] & { outputHash?: string; outputBytes?: number };
const node = (run: RunBody, id: string) => run.nodes.find((n) => n.id === id) as NodeOf;

const blob = (hash: string) =>
  SELF.fetch(`https://aob.test/api/blobs/${hash}`, {
    headers: { authorization: `Bearer ${TEST_KEY}` },
  });

/**
 * start → fetch (a ~5.6 MB JSON response) → pick (a transform reading one field, and another
 * of ~100 KB) → done. The response is kept by reference: written to R2 by the runner before its
 * result was reported; the transform reads it through the object's bounded cache.
 */
function bigFetch(tag: string, mode: "queued" | "inline") {
  return {
    name: `big fetch ${mode}`,
    nodes: [
      { id: "start", type: "start" },
      {
        id: "fetch",
        type: "http",
        config: { url: `${fixture}/big/${5_600_000}/${tag}`, mode },
      },
      {
        id: "slice",
        type: "transform",
        // Walks 5,469 rows: a busy machine may need more than the default 100 ms.
        expressionTimeoutMs: 1000,
        config: { expression: "nodes.fetch.output.body.rows[[0..99]]" },
      },
      {
        id: "done",
        type: "end",
        config: {
          output: {
            marker: "{{ nodes.fetch.output.body.marker }}",
            total: "{{ nodes.fetch.output.body.total }}",
            sliced: "{{ $count(nodes.slice.output) }}",
          },
        },
      },
    ],
    edges: [
      { from: "start", to: "fetch" },
      { from: "fetch", to: "slice" },
      { from: "slice", to: "done" },
    ],
  };
}

// Megabytes through a real server, R2, the queue and the object: seconds on a busy machine.
describe("outputs by reference", { timeout: 40_000 }, () => {
  it("a transform reads one field of a 5.6 MB http output; the output is served by its hash", async () => {
    const tag = `byref${Date.now()}`;
    const id = await createWorkflow(bigFetch(tag, "queued"));
    const run = await waitForRun(await startRun(id), 30_000);
    expect(run.error ?? run.status).toBe("completed");
    expect(run.output).toEqual({ marker: "the end", total: 5469, sliced: 100 });
    const fetched = node(run, "fetch");
    // Shown by size, not inline: the run view never carries the body.
    expect(fetched.output).toBeUndefined();
    expect(fetched.outputBytes).toBeGreaterThan(5_500_000);
    // The transform's ~100 KB output is over the inline limit too: the object placed it.
    const slice = node(run, "slice");
    expect(slice.output).toBeUndefined();
    expect(slice.outputBytes).toBeGreaterThan(100_000);
    const res = await blob(fetched.outputHash!);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: number; body: { total: number } };
    expect(body.body.total).toBe(5469);
    expect(await count(tag)).toBe(1);
  });

  it("an inline http node's large output goes by reference too, and a neighbour run completes", async () => {
    const big = await createWorkflow(bigFetch(`byrefinline${Date.now()}`, "inline"));
    const small = await createWorkflow({
      name: "neighbour",
      nodes: [
        { id: "start", type: "start" },
        { id: "fetch", type: "http", config: { url: `${fixture}/echo/byref-neighbour` } },
        { id: "done", type: "end", config: { output: "{{ nodes.fetch.output.body.name }}" } },
      ],
      edges: [
        { from: "start", to: "fetch" },
        { from: "fetch", to: "done" },
      ],
    });
    const [bigRun, smallRun] = await Promise.all([startRun(big), startRun(small)]);
    const run = await waitForRun(bigRun, 30_000);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ marker: "the end", total: 5469, sliced: 100 });
    expect(node(run, "fetch").outputBytes).toBeGreaterThan(5_500_000);
    expect((await waitForRun(smallRun)).output).toBe("byref-neighbour");
  });

  it("a replay reuses the references of upstream nodes, and the diff compares their hashes", async () => {
    const tag = `byrefreplay${Date.now()}`;
    const id = await createWorkflow(bigFetch(tag, "queued"));
    const first = await waitForRun(await startRun(id), 30_000);
    expect(first.status).toBe("completed");
    const replay = await api<{ runId: string }>("POST", `/api/runs/${first.id}/replay`, {
      fromNode: "slice",
    });
    expect(replay.status).toBe(202);
    const second = await waitForRun(replay.body.runId, 30_000);
    expect(second.status).toBe("completed");
    expect(second.output).toEqual(first.output);
    // Not fetched again: the replay took the source's reference.
    expect(await count(tag)).toBe(1);
    expect(node(second, "fetch").outputHash).toBe(node(first, "fetch").outputHash);
    const diff = await api<{ nodes: { id: string; sameOutput: boolean }[] }>(
      "GET",
      `/api/runs/${first.id}/diff/${second.id}`,
    );
    expect(diff.status).toBe(200);
    const same = Object.fromEntries(diff.body.nodes.map((n) => [n.id, n.sameOutput]));
    expect(same).toMatchObject({ fetch: true, slice: true, done: true });
  });
});
