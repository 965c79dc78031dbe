import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { runObject } from "../../durable-objects/run/rpc";
import { poll } from "../support/poll";
import { api, createWorkflow, type RunBody, startRun } from "./helpers";

/** Waits at an approval; approving ends it. */
const gate = {
  name: "await-end",
  nodes: [
    { id: "start", type: "start" },
    { id: "ask", type: "approval", config: { message: "Go?" } },
    { id: "done", type: "end", config: { output: { went: true } } },
  ],
  edges: [
    { from: "start", to: "ask" },
    { from: "ask", to: "done", on: "approved" },
  ],
};

async function waitingRun(): Promise<string> {
  const runId = await startRun(await createWorkflow(gate));
  await poll(
    `run ${runId} to wait`,
    async () => (await api<RunBody>("GET", `/api/runs/${runId}`)).body,
    (run) => run.status === "waiting",
  );
  return runId;
}

describe("RunObject.awaitEnd (what the MCP tools wait on)", () => {
  it("answers once the run's end is committed, long before the wait is over", async () => {
    const runId = await waitingRun();
    const started = Date.now();
    const ended = runObject(env, runId).awaitEnd(60_000);
    const vote = await api("POST", `/api/runs/${runId}/approvals/ask`, { decision: "approve" });
    expect(vote.status).toBe(200);
    const run = await ended;
    expect(run).toMatchObject({ id: runId, status: "completed", output: { went: true } });
    expect(Date.now() - started).toBeLessThan(10_000);
    // Ended already: answered at once.
    const again = Date.now();
    expect((await runObject(env, runId).awaitEnd(60_000))?.status).toBe("completed");
    expect(Date.now() - again).toBeLessThan(1_000);
  });

  it("answers the run as it is when the wait is over, and null at once for no run", async () => {
    const runId = await waitingRun();
    const started = Date.now();
    const run = await runObject(env, runId).awaitEnd(300);
    expect(run?.status).toBe("waiting");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const none = Date.now();
    expect(await runObject(env, "run_nobody").awaitEnd(60_000)).toBeNull();
    expect(Date.now() - none).toBeLessThan(1_000);
  });
});
