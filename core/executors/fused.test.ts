import { describe, expect, it } from "vitest";
import type { RunContext } from "./context";
import { runFused } from "./fused";

const ctx: RunContext = {
  input: { n: 1 },
  nodes: { start: { status: "succeeded", output: { n: 1 } } },
  run: { id: "r", startedAt: "2026-01-01T00:00:00.000Z", workflowId: "w", version: 1 },
};

const chain = (n: number) =>
  Array.from({ length: n - 1 }, (_, i) => ({
    id: `t${i + 2}`,
    type: "transform",
    config: { expression: `nodes.t${i + 1}.output + 1` },
  }));

describe("runFused", () => {
  it("runs the chain in order, each step seeing the outputs before it", async () => {
    const results = await runFused(
      { id: "t1", type: "transform", config: { expression: "input.n" }, firedFrom: ["start"] },
      chain(4),
      ctx,
      1024,
    );
    expect(results.map((r) => [r.nodeId, r.output])).toEqual([
      ["t1", 1],
      ["t2", 2],
      ["t3", 3],
      ["t4", 4],
    ]);
  });

  it("calls `between` before each follower, so a caller can yield during a long chain", async () => {
    let calls = 0;
    const results = await runFused(
      { id: "t1", type: "transform", config: { expression: "input.n" }, firedFrom: ["start"] },
      chain(5),
      ctx,
      1024,
      async () => {
        calls++;
      },
    );
    expect(calls).toBe(4);
    expect(results.map((r) => r.output)).toEqual([1, 2, 3, 4, 5]);
  });

  it("stops at the first failure and says which node failed", async () => {
    const results = await runFused(
      { id: "t1", type: "transform", config: { expression: "input.n" }, firedFrom: ["start"] },
      [
        { id: "t2", type: "transform", config: { expression: "$error('no')" } },
        { id: "t3", type: "transform", config: { expression: "3" } },
      ],
      ctx,
      1024,
    );
    expect(results.map((r) => [r.nodeId, r.outcome.ok])).toEqual([
      ["t1", true],
      ["t2", false],
    ]);
  });
});
