import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../core/wire/frames";
import type { RunBody } from "../types";
import { UsageTally, usageLine } from "./view";

const usage = (
  promptTokens: number,
  completionTokens: number,
  cachedTokens: number,
  costUsd: number | null,
) => ({
  promptTokens,
  completionTokens,
  cachedTokens,
  calls: 1,
  costUsd,
});

const succeeded = (seq: number, nodeId: string, attempt: number, u: unknown): RunEvent => ({
  seq,
  type: "node_succeeded",
  at: seq,
  nodeId,
  data: { attempt, usage: u },
});

describe("usage in the CLI", () => {
  it("says nothing for a run that made no model call and has no budget", () => {
    expect(usageLine({ ...usage(0, 0, 0, 0), calls: 0 })).toBe("");
  });

  it("formats tokens, cached tokens, cost and the budget", () => {
    expect(
      usageLine({ ...usage(2000, 320, 1500, 0.00029), budget: { tokens: 10000, costUsd: 0.5 } }),
    ).toBe("2,320 of 10,000 tokens (1,500 cached) · $0.0003 of $0.5");
    expect(usageLine(usage(10, 5, 0, null))).toBe(
      "15 tokens · cost unknown (a model has no price)",
    );
  });

  it("sums each agent execution once, even when the backlog replays its event", () => {
    const tally = new UsageTally({
      usage: { ...usage(0, 0, 0, 0), calls: 0 },
    } as unknown as RunBody);
    expect(tally.apply(succeeded(1, "a", 1, usage(100, 10, 50, 0.001)))).toBe(true);
    expect(tally.apply(succeeded(2, "b", 1, usage(200, 20, 0, 0.002)))).toBe(true);
    tally.apply(succeeded(1, "a", 1, usage(100, 10, 50, 0.001)));
    expect(
      tally.apply({ seq: 3, type: "node_succeeded", at: 3, nodeId: "t", data: { attempt: 1 } }),
    ).toBe(false);
    expect(tally.line()).toBe("330 tokens (50 cached) · $0.0030");
  });
});
