import { describe, expect, it } from "vitest";
import { api, createWorkflow, type RunBody, startRun, waitForRun } from "./helpers";

/**
 * start → c1 → … → cN: pure inline steps the RunObject runs back to back. Conditions on the
 * run's input, so the optimiser can neither fuse them (only transforms fuse) nor fold them.
 */
function chain(n: number) {
  const nodes: { id: string; type: string; config?: Record<string, unknown> }[] = [
    { id: "start", type: "start" },
  ];
  const edges: { from: string; to: string; on?: string }[] = [];
  let prev = "start";
  for (let i = 1; i <= n; i++) {
    const id = `c${i}`;
    nodes.push({ id, type: "condition", config: { expression: `input.n > ${i}` } });
    edges.push(prev === "start" ? { from: prev, to: id } : { from: prev, to: id, on: "true" });
    prev = id;
  }
  return { name: `chain ${n}`, nodes, edges };
}

describe("a long chain of inline steps", () => {
  it("answers the start and reads of the run while the chain is still running", async () => {
    const wf = await createWorkflow(chain(600));
    const runId = await startRun(wf, { n: 10_000 });
    const { body: during } = await api<RunBody>("GET", `/api/runs/${runId}`);
    expect(during.status).toBe("running");
    expect(during.nodes.some((n) => n.status === "pending")).toBe(true);
    const done = await waitForRun(runId, 60_000);
    expect(done.status).toBe("completed");
    expect(done.nodes.find((n) => n.id === "c600")).toMatchObject({
      status: "succeeded",
      port: "true",
    });
  }, 90_000);
});
