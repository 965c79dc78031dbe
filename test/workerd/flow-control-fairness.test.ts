import { describe, expect, it } from "vitest";
import { holding, type Started, start } from "./gated";
import { api, createWorkflow, waitForRun } from "./helpers";
import { OTHER_KEY } from "./setup";

/* Flow control (docs/FLOW-CONTROL.md): one tenant's backlog is its own gate's. */

describe("flow control across tenants", { timeout: 90_000 }, () => {
  it("is fair across tenants: another tenant's backlog of 100 queued runs does not delay a run", async () => {
    const tag = `fair${Date.now()}`;
    // Tenant B's workflow: each run holds its one slot until an event that never comes.
    const holdsSlot = {
      name: `backlog ${tag}`,
      concurrency: { limit: 1 },
      nodes: [
        { id: "start", type: "start" },
        { id: "w", type: "wait", config: { event: `never.${tag}` } },
        { id: "done", type: "end" },
      ],
      edges: [
        { from: "start", to: "w" },
        { from: "w", to: "done", on: "received" },
      ],
    };
    const backlog = await api<{ id: string }>("POST", "/api/workflows", holdsSlot, OTHER_KEY);
    const answers = (
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          api<Started>(
            "POST",
            `/api/workflows/${backlog.body.id}/runs`,
            { input: { i } },
            OTHER_KEY,
          ),
        ),
      )
    ).map((res) => res.body);
    expect(answers.filter((a) => a.status === "queued")).toHaveLength(99);
    // Tenant A's run of a workflow with the same limit starts at once and ends.
    const mine = await createWorkflow(holding(`mine ${tag}`, tag, 1, { limit: 1 }));
    const started = await start(mine, {});
    expect(started.body.status).toBe("running");
    expect((await waitForRun(started.body.runId)).status).toBe("completed");
    const positions = await Promise.all(
      answers
        .filter((a) => a.status === "queued")
        .map(
          async (a) =>
            (
              await api<{ status: string; queue: { position: number } }>(
                "GET",
                `/api/runs/${a.runId}`,
                undefined,
                OTHER_KEY,
              )
            ).body.queue.position,
        ),
    );
    // Still all waiting, each in its own place.
    expect(positions.sort((a, b) => a - b)).toEqual(Array.from({ length: 99 }, (_, i) => i + 1));
  });
});
