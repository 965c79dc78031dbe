import { describe, expect, it } from "vitest";
import { both, definition, end, nodeIn, transform } from "../../test/support/engine/definitions";
import { step } from "../scheduler/scheduler";
import { createRunState } from "../scheduler/state";
import { COST_MS } from "./schedule";

const def = definition(
  [
    transform("quick", "1"),
    { id: "slow", type: "http", config: { url: "https://api.example.com/x", mode: "queued" } },
    { id: "pause", type: "delay", config: { seconds: 2 } },
    transform("after_slow", "nodes.slow.output.status"),
    { id: "all", type: "join" },
    end("done", "{{ nodes.all.output }}"),
  ],
  [
    { from: "start", to: "quick" },
    { from: "start", to: "slow" },
    { from: "start", to: "pause" },
    { from: "slow", to: "after_slow" },
    { from: "quick", to: "all" },
    { from: "after_slow", to: "all" },
    { from: "pause", to: "all" },
    { from: "all", to: "done" },
  ],
);

describe("parallel levels and critical path", () => {
  const { plain, optimised } = both(def);

  it("gives each node its earliest start and slack, and the run its critical path", () => {
    const p = COST_MS.pure;
    expect(nodeIn(optimised, "pause").plan).toEqual({ earliestMs: p, slackMs: 0 });
    expect(nodeIn(optimised, "slow").plan?.earliestMs).toBe(p);
    // The delay (2 s) is longer than the queued call (112 ms) and its transform.
    expect(nodeIn(optimised, "slow").plan?.slackMs).toBeCloseTo(2000 - 112 - p, 6);
    expect(nodeIn(optimised, "quick").plan?.slackMs).toBeCloseTo(2000 - p, 6);
    expect(optimised.plan).toEqual({
      makespanMs: Math.round((p + 2000 + p + p) * 100) / 100,
      criticalPath: ["start", "pause", "all", "done"],
      levels: 5,
      widest: 3,
    });
    expect(optimised.rewrites.find((r) => r.pass === "schedule")?.nodes).toEqual(
      optimised.plan?.criticalPath,
    );
  });

  it("dispatches the successors with the longest remaining path first", () => {
    const order = (ir: typeof plain) => {
      const state = createRunState(ir, "r", 0);
      step(ir, state, { type: "start", now: 0 });
      const attempt = state.nodes.start!.attempt;
      const { commands } = step(ir, state, {
        type: "result",
        nodeId: "start",
        attempt,
        outcome: { ok: true, port: null },
        now: 1,
      });
      return commands.flatMap((c) => (c.type === "execute" ? [c.nodeId] : []));
    };
    expect(order(plain)).toEqual(["quick", "slow", "pause"]);
    expect(order(optimised)).toEqual(["pause", "slow", "quick"]);
    // Only the order changed: the same edges, ports and targets.
    expect(nodeIn(optimised, "start").out.slice().sort()).toEqual(
      nodeIn(plain, "start").out.slice().sort(),
    );
  });
});
