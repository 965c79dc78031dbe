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
    // Long enough (about 2 s here) that the read after the start is answered while it runs
    // even on a loaded machine: 600 steps (0.5 s) once finished before a CI run's read came in.
    const wf = await createWorkflow(chain(2400));
    const runId = await startRun(wf, { n: 10_000 });
    const { body: during } = await api<RunBody>("GET", `/api/runs/${runId}`);
    expect(during.status).toBe("running");
    expect(during.nodes.some((n) => n.status === "pending")).toBe(true);
    const done = await waitForRun(runId, 60_000);
    expect(done.status).toBe("completed");
    expect(done.nodes.find((n) => n.id === "c2400")).toMatchObject({
      status: "succeeded",
      port: "true",
    });
  }, 90_000);

  it("answers the start while a fused chain of transforms runs as one step", async () => {
    const n = 3000;
    const nodes: { id: string; type: string; config?: Record<string, unknown> }[] = [
      { id: "start", type: "start" },
    ];
    const edges: { from: string; to: string }[] = [];
    let prev = "start";
    for (let i = 1; i <= n; i++) {
      const expression = i === 1 ? "input.n" : `nodes.t${i - 1}.output + 1`;
      nodes.push({ id: `t${i}`, type: "transform", config: { expression } });
      edges.push({ from: prev, to: `t${i}` });
      prev = `t${i}`;
    }
    const wf = await createWorkflow({ name: "fused chain", nodes, edges });
    const runId = await startRun(wf, { n: 1 });
    const answeredAt = Date.now();
    const done = await waitForRun(runId, 60_000);
    expect(done.status).toBe("completed");
    const head = done.nodes.find((x) => x.id === "t1") as RunBody["nodes"][number] & {
      startedAt: number;
      finishedAt: number;
    };
    expect(done.nodes.find((x) => x.id === `t${n}`)).toMatchObject({
      status: "succeeded",
      output: n,
    });
    // The optimiser fused t1..t3000 into one step that takes a while. It yields as it goes, so
    // the start request is answered early in the chain; it used to wait for the whole chain.
    const chainMs = head.finishedAt - head.startedAt;
    expect(chainMs).toBeGreaterThan(50);
    expect(answeredAt - head.startedAt).toBeLessThan(chainMs / 2);
  }, 90_000);
});
