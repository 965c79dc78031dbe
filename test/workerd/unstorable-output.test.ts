import { describe, expect, inject, it } from "vitest";
import { createWorkflow, type RunBody, startRun, waitForRun } from "./helpers";

const fixture = inject("fixtureUrl");

/** start → fetch (http, queued) → done, the end node reading one field of the response. */
function fetchOne(url: string) {
  return {
    name: "fetch one",
    nodes: [
      { id: "start", type: "start" },
      { id: "fetch", type: "http", config: { url, mode: "queued" } },
      {
        id: "done",
        type: "end",
        config: { output: { status: "{{ nodes.fetch.output.status }}" } },
      },
    ],
    edges: [
      { from: "start", to: "fetch" },
      { from: "fetch", to: "done" },
    ],
  };
}

const node = (run: RunBody, id: string) => run.nodes.find((n) => n.id === id)!;

/**
 * An output the run cannot store fails its one node with a clear error; the signal is not lost
 * (the run ends), and the object and other runs go on serving. Before, a 5.6 MB response threw
 * SQLITE_TOOBIG inside the step's transaction, the runner's report was retried for ever and the
 * local platform stopped answering; such a response is now kept by reference
 * (outputs-by-reference.test.ts).
 */
// Megabytes through a real server, the queue and the object: seconds on a busy machine.
describe("outputs a run cannot store", { timeout: 40_000 }, () => {
  it("a response nested deeper than 128 levels fails its node as output_too_deep", async () => {
    const id = await createWorkflow(fetchOne(`${fixture}/deep/5000`));
    const run = await waitForRun(await startRun(id), 20_000);
    expect(run.status).toBe("failed");
    expect(node(run, "fetch").error).toMatchObject({
      code: "output_too_deep",
      message: expect.stringContaining("more than 128 levels deep"),
    });
  });

  it("an output is measured in UTF-8 bytes, not characters", async () => {
    // 30 rows of 1,000 "€": about 30,000 characters, under the 64 KiB inline limit, but 90 KB
    // of UTF-8, over it: kept by reference, and its size is told in bytes.
    const url = `${fixture}/big/${30 * 1024}/wide?char=${encodeURIComponent("€")}`;
    const run = await waitForRun(await startRun(await createWorkflow(fetchOne(url))), 20_000);
    expect(run.status).toBe("completed");
    const fetched = node(run, "fetch") as RunBody["nodes"][number] & { outputBytes?: number };
    expect(fetched.output).toBeUndefined();
    expect(fetched.outputBytes).toBeGreaterThan(90_000);
  });

  it("a map item's output over 1 MiB fails the item as output_too_large (items stay inline)", async () => {
    const id = await createWorkflow({
      name: "map item too big",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "each",
          type: "map",
          config: {
            items: "[1]",
            node: { type: "http", config: { url: `${fixture}/big/${1_200_000}/item-too-big` } },
          },
        },
        { id: "done", type: "end" },
      ],
      edges: [
        { from: "start", to: "each" },
        { from: "each", to: "done" },
      ],
    });
    const run = await waitForRun(await startRun(id), 20_000);
    expect(run.status).toBe("failed");
    expect(node(run, "each").error).toMatchObject({
      code: "map_item_failed",
      message: expect.stringMatching(
        /^item 0 failed: the output is 1\.\d MiB of JSON; .* up to 1 MiB/,
      ),
    });
  });

  it("storage refusing a step's write fails the node that carried it, not the run's object", async () => {
    // Each item's output (0.9 MB) is within the limit, but the map's output, three of them
    // together, is more than the run's storage takes in one value (2 MB): the step of the last
    // item cannot be written, and the item's node fails with what storage said.
    const id = await createWorkflow({
      name: "map too big together",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "each",
          type: "map",
          config: {
            items: "[1, 2, 3]",
            concurrency: 1,
            node: {
              type: "http",
              config: { url: `${fixture}/big/${900_000}/together?i={{ item }}` },
            },
          },
        },
        { id: "done", type: "end" },
      ],
      edges: [
        { from: "start", to: "each" },
        { from: "each", to: "done" },
      ],
    });
    const run = await waitForRun(await startRun(id), 30_000);
    expect(run.status).toBe("failed");
    expect(node(run, "each").error).toMatchObject({
      code: "map_item_failed",
      message: expect.stringMatching(
        /^item \d failed: the run could not store this node's output: .*SQLITE_TOOBIG/,
      ),
    });
    const after = await createWorkflow(fetchOne(`${fixture}/echo/after-toobig`));
    expect((await waitForRun(await startRun(after))).status).toBe("completed");
  });
});
