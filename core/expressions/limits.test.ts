import { describe, expect, it } from "vitest";
import { foldExpression } from "../optimise/fold";
import { evaluateExpression } from "./jsonata";
import { MAX_EXPRESSION_DEPTH } from "./limits";
import { renderTemplates } from "./template";

const RECURSIVE = "($f := function($n){ $n <= 0 ? 0 : 1 + $f($n - 1) }; $f(input.n))";
/** Tail calls keep the depth flat: a long loop, not a deep one (~470 ms in Node per 100,000). */
const LOOP = "($f := function($n, $acc){ $n <= 0 ? $acc : $f($n - 1, $acc + 1) }; $f(input.n, 0))";

/** One clock check late, plus a loaded machine's scheduling delay (the tests share 2 cores). */
const MARGIN_MS = 100;

async function failure(run: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await run();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error("expected the evaluation to fail");
}

describe("expression budget", () => {
  it("stops a long loop at its budget with expression_timeout, not retryable", async () => {
    const { error, ms } = await failure(() =>
      evaluateExpression(LOOP, { input: { n: 10_000_000 } }, { timeoutMs: 50 }),
    );
    expect(error).toMatchObject({ code: "expression_timeout", retryable: false });
    expect((error as Error).message).toContain("50 ms budget");
    expect((error as Error).message).toContain("expressionTimeoutMs");
    expect(ms).toBeGreaterThanOrEqual(50);
    expect(ms).toBeLessThan(50 + MARGIN_MS);
  });

  it("uses 100 ms when no budget is given", async () => {
    const { error, ms } = await failure(() =>
      evaluateExpression(LOOP, { input: { n: 10_000_000 } }),
    );
    expect((error as Error).message).toContain("100 ms budget");
    expect(ms).toBeLessThan(100 + MARGIN_MS);
  });

  it("lets a loop within its budget finish", async () => {
    expect(await evaluateExpression(LOOP, { input: { n: 1000 } }, { timeoutMs: 1000 })).toBe(1000);
  });

  it("charges a node's templates one budget between them", async () => {
    const template = `{{ ${LOOP} }}`;
    const { error, ms } = await failure(() =>
      renderTemplates(
        [template, template, template, template],
        { input: { n: 4000 } },
        {
          timeoutMs: 30,
        },
      ),
    );
    expect(error).toMatchObject({ code: "expression_timeout" });
    expect(ms).toBeLessThan(30 + MARGIN_MS);
  });

  it("keeps the event loop turning while an expression runs", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await failure(() => evaluateExpression(LOOP, { input: { n: 1_000_000 } }, { timeoutMs: 200 }));
    clearInterval(timer);
    // It yields every 10 ms: without that, not one tick would run until it failed.
    expect(ticks).toBeGreaterThanOrEqual(5);
  });
});

describe("expression depth", () => {
  it(`refuses the issue's $f(100000) past ${MAX_EXPRESSION_DEPTH} levels`, async () => {
    // A generous budget, so that only depth can stop it (it gets there in ~10 ms).
    const { error } = await failure(() =>
      evaluateExpression(RECURSIVE, { input: { n: 100_000 } }, { timeoutMs: 1000 }),
    );
    expect(error).toMatchObject({ code: "expression_too_deep", retryable: false });
    expect((error as Error).message).toContain(String(MAX_EXPRESSION_DEPTH));
  });

  it("allows a few hundred levels of recursion", async () => {
    expect(await evaluateExpression(RECURSIVE, { input: { n: 300 } }, { timeoutMs: 1000 })).toBe(
      300,
    );
  });
});

describe("$eval", () => {
  it("runs what it compiles under the caller's budget", async () => {
    const { error, ms } = await failure(() =>
      evaluateExpression(
        "$eval(input.code, input)",
        { input: { code: LOOP, n: 10_000_000 } },
        {
          timeoutMs: 40,
        },
      ),
    );
    expect(error).toMatchObject({ code: "expression_timeout", retryable: false });
    // Unbounded, this loop runs for ~45 s. The first $eval failure in a process also pays for
    // JSONata's `new Error().stack` under vitest's source maps (~200 ms here), once.
    expect(ms).toBeLessThan(1000);
  });

  it("refuses a nested-quantifier regex built from run input, at once", async () => {
    const input = { text: `${"a".repeat(27)}!`, code: "$match(text, /(a+)+$/)" };
    const { error, ms } = await failure(() =>
      evaluateExpression("$eval(input.code, input)", { input }),
    );
    expect(error).toMatchObject({ code: "unsafe_regex", retryable: false });
    expect((error as Error).message).toContain("/(a+)+$/");
    expect(ms).toBeLessThan(1000); // V8 backtracks for ~11 s on this input
  });

  it("runs an exponential regex the checker cannot see in linear time (RE2)", async () => {
    // (a|a)* passes the star-height rule; V8 would need minutes for this input.
    const input = { text: `${"a".repeat(5000)}!`, code: "$contains(text, /^(a|a)*$/)" };
    const started = Date.now();
    expect(await evaluateExpression("$eval(input.code, input)", { input })).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("compile-time folding", () => {
  it("leaves long and deep expressions for the run, at once (it never evaluates JSONata)", () => {
    const started = Date.now();
    expect(foldExpression(RECURSIVE.replace("input.n", "100000"))).toBeNull();
    expect(foldExpression(LOOP.replace("input.n", "100000"))).toBeNull();
    // Evaluated, either would take seconds; parsing them takes milliseconds, even on a busy machine.
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
