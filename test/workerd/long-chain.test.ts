import { describe, expect, it } from "vitest";
import { api, createWorkflow, type RunBody, startRun, waitForRun } from "./helpers";

/** start → t1 → … → tN: pure inline steps the RunObject runs back to back. */
function chain(n: number) {
  const nodes: { id: string; type: string; config?: Record<string, unknown> }[] = [
    { id: "start", type: "start" },
  ];
  const edges: { from: string; to: string }[] = [];
  let prev = "start";
  for (let i = 1; i <= n; i++) {
    const id = `t${i}`;
    nodes.push({ id, type: "transform", config: { expression: `${i}` } });
    edges.push({ from: prev, to: id });
    prev = id;
  }
  return { name: `chain ${n}`, nodes, edges };
}

describe("a long chain of inline steps", () => {
  it("answers the start and reads of the run while the chain is still running", async () => {
    const wf = await createWorkflow(chain(600));
    const runId = await startRun(wf);
    const { body: during } = await api<RunBody>("GET", `/api/runs/${runId}`);
    expect(during.status).toBe("running");
    expect(during.nodes.some((n) => n.status === "pending")).toBe(true);
    const done = await waitForRun(runId, 60_000);
    expect(done.status).toBe("completed");
    expect(done.nodes.find((n) => n.id === "t600")?.output).toBe(600);
  }, 90_000);
});
