import { describe, expect, it } from "vitest";
import { api, createWorkflow, type RunBody, startRun, waitForRun } from "./helpers";

/** The non-tail recursion: ~3 levels of nesting per call, so it hits the depth limit. */
const RECURSIVE = "($f := function($n){ $n <= 0 ? 0 : 1 + $f($n - 1) }; $f(100000))";
/** A tail-recursive loop: flat, but ~5 s for 10 million turns. Only the clock stops it. */
const LOOP = "($f := function($n, $acc){ $n <= 0 ? $acc : $f($n - 1, $acc + 1) }; $f(10000000, 0))";
/** One clock check late, plus the scheduling of a shared 2-core machine (load ~10 here). */
const MARGIN_MS = 150;

type TimedNode = RunBody["nodes"][number] & { startedAt: number; finishedAt: number };

/** start → t, with t a transform of `expression` (and the node's other fields). */
function oneTransform(expression: string, fields: Record<string, unknown> = {}) {
  return {
    name: "bounded expression",
    nodes: [
      { id: "start", type: "start" },
      { id: "t", type: "transform", config: { expression }, ...fields },
    ],
    edges: [{ from: "start", to: "t" }],
  };
}

function nodeOf(run: RunBody, id: string): TimedNode {
  const node = run.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node ${id} in ${JSON.stringify(run)}`);
  return node as TimedNode;
}

describe("bounded expressions in a run", () => {
  it("fails the issue's $f(100000) as too deep, and a long loop at its 100 ms budget", async () => {
    const deep = await createWorkflow(oneTransform(RECURSIVE));
    const long = await createWorkflow(oneTransform(LOOP));
    const quick = await createWorkflow(oneTransform("input.n + 1"));
    const ids = [await startRun(deep), await startRun(long), await startRun(quick, { n: 41 })];
    const [deepRun, longRun, quickRun] = await Promise.all(ids.map((id) => waitForRun(id, 30_000)));

    const tooDeep = nodeOf(deepRun!, "t");
    expect(deepRun!.status).toBe("failed");
    expect(tooDeep.error).toMatchObject({ code: "expression_too_deep", retryable: false });
    expect(tooDeep.finishedAt - tooDeep.startedAt).toBeLessThan(100 + MARGIN_MS);

    const timedOut = nodeOf(longRun!, "t");
    expect(longRun!.status).toBe("failed");
    expect(timedOut.error).toMatchObject({ code: "expression_timeout", retryable: false });
    expect(timedOut.error?.message).toContain("100 ms budget");
    expect(timedOut.error?.message).toContain("expressionTimeoutMs");
    expect(timedOut.attempt).toBe(1);
    expect(timedOut.finishedAt - timedOut.startedAt).toBeGreaterThanOrEqual(100);
    expect(timedOut.finishedAt - timedOut.startedAt).toBeLessThan(100 + MARGIN_MS);

    expect(quickRun!.status).toBe("completed");
    expect(nodeOf(quickRun!, "t").output).toBe(42);
  }, 60_000);

  it("refuses a backtracking regex that run input brings in through $eval, at once", async () => {
    const wf = await createWorkflow(oneTransform("$eval(input.code, input)"));
    const runId = await startRun(wf, {
      text: `${"a".repeat(27)}!`,
      code: "$match(text, /(a+)+$/)",
    });
    const run = await waitForRun(runId, 30_000);
    const node = nodeOf(run, "t");
    expect(run.status).toBe("failed");
    expect(node.error).toMatchObject({ code: "unsafe_regex", retryable: false });
    expect(node.error?.message).toContain("/(a+)+$/");
    // JavaScript's engine backtracks for ~11 s on this input. The refusal itself takes ~1 ms; the
    // first one in a fresh test isolate pays one-time costs (cold code, source-mapped stack
    // formatting of JSONata's $eval error), measured at 150-400 ms on this loaded machine.
    expect(node.finishedAt - node.startedAt).toBeLessThan(1000);
  }, 60_000);

  it("keeps other runs going while an expression uses a raised budget", async () => {
    const long = await createWorkflow(oneTransform(LOOP, { expressionTimeoutMs: 1000 }));
    const quick = await createWorkflow(oneTransform("input.n * 2"));
    const longId = await startRun(long);
    const quickId = await startRun(quick, { n: 21 });
    const [longRun, quickRun] = await Promise.all([
      waitForRun(longId, 30_000),
      waitForRun(quickId, 30_000),
    ]);
    const timedOut = nodeOf(longRun, "t");
    expect(timedOut.error).toMatchObject({ code: "expression_timeout" });
    expect(timedOut.error?.message).toContain("1000 ms budget");
    expect(timedOut.finishedAt - timedOut.startedAt).toBeGreaterThanOrEqual(1000);
    expect(timedOut.finishedAt - timedOut.startedAt).toBeLessThan(1000 + MARGIN_MS);
    // The quick run was started after the long expression began, and finished before it ended.
    expect(quickRun.status).toBe("completed");
    const answered = nodeOf(quickRun, "t");
    expect(answered.output).toBe(42);
    expect(answered.finishedAt).toBeLessThan(timedOut.finishedAt);
  }, 60_000);
});

describe("validation of expressions", () => {
  it("refuses a nested-quantifier regex with its path, and an expression budget over 1000", async () => {
    const res = await api<{
      error: {
        code: string;
        details: { errors: { path: (string | number)[]; at: string; code: string }[] };
      };
    }>("POST", "/api/workflows", {
      name: "unsafe",
      nodes: [
        { id: "start", type: "start" },
        { id: "ok", type: "transform", config: { expression: "input" } },
        { id: "m", type: "transform", config: { expression: "$match(input.s, /(a+)+$/)" } },
        { id: "slow", type: "transform", config: { expression: "1" }, expressionTimeoutMs: 5000 },
      ],
      edges: [
        { from: "start", to: "ok" },
        { from: "ok", to: "m" },
        { from: "ok", to: "slow" },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: ["nodes", 2, "config", "expression"],
          at: "nodes[2].config.expression",
          code: "unsafe_regex",
        }),
        expect.objectContaining({ path: ["nodes", 3, "expressionTimeoutMs"] }),
      ]),
    );
  });
});
