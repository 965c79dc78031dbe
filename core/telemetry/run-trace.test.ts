import { describe, expect, it } from "vitest";
import { ZERO_USAGE } from "../agents/usage";
import { attemptSpanIdOf, traceIdOf } from "./ids";
import { buildRunTrace, MAX_STATUS_MESSAGE, type RunTraceInput } from "./run-trace";

const run = (over: Partial<RunTraceInput> = {}): RunTraceInput => ({
  runId: "run_1",
  rootRunId: "run_1",
  workflow: { id: "wf_1", name: "orders", version: 3 },
  status: "completed",
  startedAt: 1_000,
  finishedAt: 5_000,
  usage: ZERO_USAGE,
  attempts: [
    {
      nodeId: "fetch",
      kind: "http",
      attempt: 2,
      iteration: 0,
      status: "succeeded",
      startedAt: 3_000,
      finishedAt: 4_000,
    },
    {
      nodeId: "fetch",
      kind: "http",
      attempt: 1,
      iteration: 0,
      status: "failed",
      startedAt: 1_500,
      finishedAt: 2_000,
      error: { code: "http_503", message: "answered 503", retryable: true },
    },
  ],
  ...over,
});

describe("buildRunTrace", () => {
  it("gives the run a span and each attempt one under it, with ids derived from the run", async () => {
    const spans = await buildRunTrace(run());
    expect(spans.map((s) => [s.name, s.attributes["aob.node.attempt"]])).toEqual([
      ["orders", undefined],
      ["fetch", 1],
      ["fetch", 2],
    ]);
    const [root, first, second] = spans;
    expect(root!.parentSpanId).toBeUndefined();
    expect(root!.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(first!.parentSpanId).toBe(root!.spanId);
    expect(second!.parentSpanId).toBe(root!.spanId);
    expect(first!.spanId).not.toBe(second!.spanId);
    expect(first!.status).toEqual({ code: "error", message: "answered 503" });
    expect(first!.attributes).toMatchObject({ "aob.error.code": "http_503" });
    expect(second!.status).toEqual({ code: "ok" });
    expect(await buildRunTrace(run())).toEqual(spans);
  });

  it("puts a child run's span under its parent's node attempt, in the root's trace", async () => {
    const spans = await buildRunTrace(
      run({
        runId: "run_child",
        rootRunId: "run_root",
        parent: { runId: "run_mid", nodeId: "sub", attempt: 1 },
      }),
    );
    expect(spans[0]!.traceId).toBe(await traceIdOf("run_root"));
    expect(spans[0]!.parentSpanId).toBe(await attemptSpanIdOf("run_mid", "sub", 1));
    expect(spans[0]!.parentRemote).toBe(true);
    expect(spans.every((s) => s.traceId === spans[0]!.traceId)).toBe(true);
  });

  it("carries tokens and cost, a failure's code and a message cut to its limit", async () => {
    const usage = {
      promptTokens: 10,
      completionTokens: 5,
      cachedTokens: 2,
      calls: 1,
      costUsd: 0.01,
    };
    const spans = await buildRunTrace(
      run({
        status: "failed",
        usage,
        failure: { nodeId: "ask", code: "agent_failed", message: "x".repeat(5_000) },
        attempts: [
          {
            nodeId: "ask",
            kind: "agent",
            attempt: 1,
            iteration: 0,
            status: "failed",
            startedAt: 2_000,
            finishedAt: 3_000,
            usage,
            error: { code: "agent_failed", message: "no", retryable: false },
          },
        ],
      }),
    );
    expect(spans[0]!.status.code).toBe("error");
    expect(spans[0]!.status.message).toHaveLength(MAX_STATUS_MESSAGE);
    expect(spans[0]!.attributes).toMatchObject({
      "aob.error.code": "agent_failed",
      "aob.error.node_id": "ask",
      "aob.tokens.prompt": 10,
      "aob.cost_usd": 0.01,
    });
    expect(spans[1]!.attributes).toMatchObject({
      "aob.node.kind": "agent",
      "aob.tokens.completion": 5,
      "aob.tokens.cached": 2,
    });
  });
});
