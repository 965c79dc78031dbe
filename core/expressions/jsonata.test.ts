import { describe, expect, it } from "vitest";
import { checkExpression, compileExpression, ExpressionError, evaluateExpression } from "./jsonata";

const context = {
  input: { n: 2, name: "Ada", items: [{ v: 1 }, { v: 2 }, { v: 3 }] },
  nodes: { fetch: { output: { status: 200, body: { ok: true } }, status: "succeeded" } },
  run: { id: "run_1", startedAt: "2026-01-01T00:00:00.000Z" },
};

describe("checkExpression", () => {
  it("accepts expressions that parse", () => {
    expect(checkExpression("input.n * 2")).toBeNull();
    expect(checkExpression("nodes.fetch.output.body.ok = true ? 'up' : 'down'")).toBeNull();
  });

  it("reports a syntax error with its message and character position", () => {
    expect(checkExpression("a +")).toEqual({
      message: "Unexpected end of expression",
      position: 3,
    });
    expect(checkExpression("input.")).toEqual({
      message: "Unexpected end of expression",
      position: 6,
    });
    expect(checkExpression("(1")).toEqual({
      message: 'Expected ")" before end of expression',
      position: 2,
    });
  });
});

describe("compileExpression", () => {
  it("throws a non-retryable ExpressionError carrying the position", () => {
    let caught: unknown;
    try {
      compileExpression("a +");
    } catch (thrown) {
      caught = thrown;
    }
    expect(caught).toBeInstanceOf(ExpressionError);
    expect(caught).toMatchObject({
      code: "expression_error",
      retryable: false,
      message: "Unexpected end of expression",
      position: 3,
    });
  });

  it("compiles a source once and reuses it", () => {
    expect(compileExpression("input.n + 100")).toBe(compileExpression("input.n + 100"));
  });
});

describe("evaluateExpression", () => {
  it("evaluates over the context document", async () => {
    expect(await evaluateExpression("input.n * 2", context)).toBe(4);
    expect(await evaluateExpression("'Hello, ' & input.name", context)).toBe("Hello, Ada");
    expect(await evaluateExpression("nodes.fetch.output.body.ok", context)).toBe(true);
    expect(await evaluateExpression("$sum(input.items.v)", context)).toBe(6);
  });

  it("normalises no match (undefined) to null", async () => {
    expect(await evaluateExpression("input.missing", context)).toBeNull();
    expect(await evaluateExpression("nodes.other.output", context)).toBeNull();
    expect(await evaluateExpression("input.items[v > 10]", context)).toBeNull();
  });

  it("drops object fields that evaluate to nothing", async () => {
    const value = await evaluateExpression("{ 'gone': input.missing, 'kept': input.n }", context);
    expect(value).toEqual({ kept: 2 });
    expect(Object.keys(value as object)).toEqual(["kept"]);
  });

  it("returns sequences as plain arrays that serialise like JSON", async () => {
    const value = await evaluateExpression("input.items.v", context);
    expect(value).toEqual([1, 2, 3]);
    expect(Array.isArray(value)).toBe(true);
    expect(Object.getOwnPropertyNames(value)).toEqual(["0", "1", "2", "length"]);
    expect(JSON.parse(JSON.stringify(value))).toEqual(value);
  });

  it("turns function values into null instead of leaking JSONata internals", async () => {
    expect(await evaluateExpression("$sum", context)).toBeNull();
    expect(await evaluateExpression("function($x) { $x + 1 }", context)).toBeNull();
    expect(
      await evaluateExpression("{ 'f': function($x) { $x }, 'g': $uppercase, 'n': 1 }", context),
    ).toEqual({ n: 1 });
    expect(await evaluateExpression("[function($x) { $x }, 1]", context)).toEqual([null, 1]);
  });

  it("reports a run-time error as an ExpressionError with the position", async () => {
    const failure = evaluateExpression("input.name + 1", context);
    await expect(failure).rejects.toBeInstanceOf(ExpressionError);
    await expect(failure).rejects.toMatchObject({
      message: 'The left side of the "+" operator must evaluate to a number',
      position: 12,
      retryable: false,
    });
    await expect(evaluateExpression("$error('boom')", context)).rejects.toMatchObject({
      message: "boom",
    });
  });

  it("rejects, never throws synchronously, on a syntax error", async () => {
    await expect(evaluateExpression("a +", context)).rejects.toMatchObject({ position: 3 });
  });

  it("leaves the context untouched", async () => {
    const before = structuredClone(context);
    await evaluateExpression("$merge([input, { 'n': 99 }])", context);
    expect(context).toEqual(before);
  });
});
