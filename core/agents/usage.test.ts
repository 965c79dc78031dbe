import { describe, expect, it } from "vitest";
import { addUsage, costOf, DEFAULT_PRICES, parsePrices, type Usage, ZERO_USAGE } from "./usage";

const usage = (u: Partial<Usage>): Usage => ({ ...ZERO_USAGE, ...u });

describe("costOf", () => {
  it("bills uncached prompt, cached prompt and completion tokens at their own rates", () => {
    // gpt-4o-mini: $0.15 in, $0.075 cached in, $0.60 out per million.
    const cost = costOf(
      "gpt-4o-mini",
      { promptTokens: 1000, cachedTokens: 400, completionTokens: 200 },
      DEFAULT_PRICES,
    );
    expect(cost).toBe((600 * 0.15 + 400 * 0.075 + 200 * 0.6) / 1_000_000);
    expect(cost).toBe(0.00024);
  });

  it("cached tokens cost less than the same tokens uncached", () => {
    const u = { promptTokens: 10_000, completionTokens: 0 };
    const cold = costOf("gpt-4.1", { ...u, cachedTokens: 0 }, DEFAULT_PRICES)!;
    const warm = costOf("gpt-4.1", { ...u, cachedTokens: 8_000 }, DEFAULT_PRICES)!;
    expect(warm).toBeLessThan(cold);
    expect(cold - warm).toBeCloseTo((8_000 * (2 - 0.5)) / 1_000_000, 12);
  });

  it("bills cached tokens at the input rate when the model has no cached rate", () => {
    const prices = { local: { input: 1, output: 2 } };
    const u = { promptTokens: 1_000_000, cachedTokens: 500_000, completionTokens: 500_000 };
    expect(costOf("local", u, prices)).toBe(1 + 1);
  });

  it("is null for a model without a price", () => {
    expect(
      costOf(
        "mystery-9000",
        { promptTokens: 5, cachedTokens: 0, completionTokens: 5 },
        DEFAULT_PRICES,
      ),
    ).toBeNull();
  });

  it("is 0 for no tokens", () => {
    expect(
      costOf("gpt-4o", { promptTokens: 0, cachedTokens: 0, completionTokens: 0 }, DEFAULT_PRICES),
    ).toBe(0);
  });
});

describe("addUsage", () => {
  it("sums every count and the cost", () => {
    const a = usage({
      promptTokens: 100,
      completionTokens: 10,
      cachedTokens: 50,
      calls: 1,
      costUsd: 0.1,
    });
    const b = usage({
      promptTokens: 200,
      completionTokens: 20,
      cachedTokens: 0,
      calls: 2,
      costUsd: 0.2,
    });
    expect(addUsage(a, b)).toEqual({
      promptTokens: 300,
      completionTokens: 30,
      cachedTokens: 50,
      calls: 3,
      costUsd: 0.3, // not 0.30000000000000004
    });
  });

  it("a cost that is unknown in either part is unknown in the sum", () => {
    expect(addUsage(usage({ costUsd: 1 }), usage({ costUsd: null })).costUsd).toBeNull();
    expect(addUsage(usage({ costUsd: null }), usage({ costUsd: 1 })).costUsd).toBeNull();
  });

  it("ZERO_USAGE is neutral and left alone", () => {
    const u = usage({
      promptTokens: 7,
      completionTokens: 3,
      cachedTokens: 1,
      calls: 1,
      costUsd: 0.5,
    });
    expect(addUsage(ZERO_USAGE, u)).toEqual(u);
    expect(ZERO_USAGE).toEqual({
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0,
      calls: 0,
      costUsd: 0,
    });
  });
});

describe("parsePrices (AOB_MODEL_PRICES)", () => {
  it("unset or blank: the built-in table", () => {
    expect(parsePrices(undefined)).toBe(DEFAULT_PRICES);
    expect(parsePrices("  ")).toBe(DEFAULT_PRICES);
  });

  it("adds models and replaces prices, keeping the other built-in ones", () => {
    const prices = parsePrices(
      JSON.stringify({ "my-model": { input: 1, output: 3 }, "gpt-4o": { input: 5, output: 15 } }),
    );
    expect(prices["my-model"]).toEqual({ input: 1, output: 3 });
    expect(prices["gpt-4o"]).toEqual({ input: 5, output: 15 });
    expect(prices["gpt-4o-mini"]).toEqual(DEFAULT_PRICES["gpt-4o-mini"]);
    expect(DEFAULT_PRICES["gpt-4o"]).toEqual({ input: 2.5, cachedInput: 1.25, output: 10 });
  });

  it("a price of the wrong shape is an error naming the setting and the path", () => {
    expect(() => parsePrices(JSON.stringify({ "my-model": { input: -1, output: 1 } }))).toThrow(
      /^AOB_MODEL_PRICES is invalid: my-model\.input: /,
    );
    expect(() => parsePrices(JSON.stringify({ "my-model": { input: 1 } }))).toThrow(
      /AOB_MODEL_PRICES is invalid: my-model\.output/,
    );
    expect(() => parsePrices(JSON.stringify({ m: { input: 1, output: 1, extra: 1 } }))).toThrow(
      /AOB_MODEL_PRICES/,
    );
  });

  it("a value that is not JSON is an error naming the setting", () => {
    expect(() => parsePrices("{gpt-4o: 1}")).toThrow(/^AOB_MODEL_PRICES is not JSON: /);
  });
});
