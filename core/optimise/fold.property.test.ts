import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ExpressionError, evaluateExpression } from "../expressions/jsonata";
import { foldExpression } from "./fold";

/** Random constant expressions (as source text) over the folder's subset and a little beyond. */
const expression: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.integer({ min: -5, max: 5 }).map(String),
    fc.constantFrom("0.5", "1e3", "true", "false", "null", "''", "'a'", "'b'", '"x\\"y"', "'10'"),
    fc
      .tuple(
        tie("e"),
        fc.constantFrom("=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "&", "and", "or"),
        tie("e"),
      )
      .map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(tie("e"), tie("e"), tie("e")).map(([c, a, b]) => `(${c} ? ${a} : ${b})`),
    tie("e").map((a) => `-(${a})`),
    fc.tuple(tie("e"), tie("e")).map(([a, b]) => `{ 'p': ${a}, 'q': ${b} }.p`),
    // Outside the subset: must be left alone (or agree when folded).
    fc.constantFrom("$string(1)", "[1, 2]", "$count([1])", "(1; 2)", "input.a"),
  ),
})).e;

async function jsonata(source: string): Promise<{ value: unknown } | { error: string }> {
  try {
    return { value: await evaluateExpression(source, {}) };
  } catch (err) {
    if (err instanceof ExpressionError) return { error: err.message };
    throw err;
  }
}

describe("the constant folder", () => {
  it("folds only what JSONata evaluates to the same value (random expressions)", async () => {
    let folded = 0;
    await fc.assert(
      fc.asyncProperty(expression, async (source) => {
        const fold = foldExpression(source);
        if (!fold) return;
        folded++;
        const actual = await jsonata(source);
        expect(actual, source).toEqual({ value: fold.value });
      }),
      { numRuns: 1500 },
    );
    expect(folded).toBeGreaterThan(300);
  });

  it("looks into constant outputs of other nodes, and nowhere else", () => {
    const known = new Map([["cfg", { region: "eu", limits: { max: 3 } }]]);
    expect(foldExpression("nodes.cfg.output.region = 'eu'", known)).toEqual({ value: true });
    expect(foldExpression("nodes.cfg.output.limits.max * 2", known)).toEqual({ value: 6 });
    expect(foldExpression("nodes.cfg.output.missing", known)).toBeNull();
    expect(foldExpression("nodes.other.output.region", known)).toBeNull();
    expect(foldExpression("nodes.cfg.status = 'succeeded'", known)).toBeNull();
    expect(foldExpression("input.region = 'eu'", known)).toBeNull();
  });
});
