import { describe, expect, it } from "vitest";
import {
  Budget,
  budgetLeft,
  budgetQuestion,
  budgetReached,
  raiseBudget,
  spentPast,
} from "./budget";
import { type Usage, ZERO_USAGE } from "./usage";

const spent = (u: Partial<Usage>): Usage => ({ ...ZERO_USAGE, ...u });

describe("Budget", () => {
  it("needs tokens, costUsd or both", () => {
    expect(Budget.safeParse({}).success).toBe(false);
    expect(Budget.safeParse({ tokens: 1000 }).success).toBe(true);
    expect(Budget.safeParse({ costUsd: 0.5 }).success).toBe(true);
    expect(Budget.safeParse({ tokens: 0 }).success).toBe(false);
    expect(Budget.safeParse({ costUsd: 0 }).success).toBe(false);
  });
});

describe("budgetReached", () => {
  it("no budget: never reached", () => {
    expect(budgetReached(spent({ promptTokens: 1e9, costUsd: 1e6 }), null)).toBeNull();
  });

  it("tokens: prompt plus completion, reached at the limit, not before", () => {
    const budget = { tokens: 1000 };
    expect(budgetReached(spent({ promptTokens: 800, completionTokens: 199 }), budget)).toBeNull();
    expect(budgetReached(spent({ promptTokens: 800, completionTokens: 200 }), budget)).toBe(
      "tokens",
    );
    expect(budgetReached(spent({ promptTokens: 5000 }), budget)).toBe("tokens");
  });

  it("tokens: cached tokens are part of the prompt tokens, not counted twice", () => {
    const budget = { tokens: 1000 };
    expect(
      budgetReached(spent({ promptTokens: 900, cachedTokens: 900, completionTokens: 0 }), budget),
    ).toBeNull();
  });

  it("cost: reached at the limit, not before", () => {
    const budget = { costUsd: 0.05 };
    expect(budgetReached(spent({ promptTokens: 1e6, costUsd: 0.049 }), budget)).toBeNull();
    expect(budgetReached(spent({ costUsd: 0.05 }), budget)).toBe("costUsd");
  });

  it("both: whichever is reached", () => {
    const budget = { tokens: 1000, costUsd: 1 };
    expect(budgetReached(spent({ promptTokens: 10, costUsd: 2 }), budget)).toBe("costUsd");
    expect(budgetReached(spent({ promptTokens: 1000, costUsd: 0.01 }), budget)).toBe("tokens");
    expect(budgetReached(spent({ promptTokens: 10, costUsd: 0.01 }), budget)).toBeNull();
  });
});

describe("raiseBudget", () => {
  it("approving raises each limit by its original size", () => {
    const original = { tokens: 1000, costUsd: 0.5 };
    const once = raiseBudget(original, original);
    expect(once).toEqual({ tokens: 2000, costUsd: 1 });
    expect(raiseBudget(once, original)).toEqual({ tokens: 3000, costUsd: 1.5 });
  });

  it("keeps the limits the budget has, and only those", () => {
    expect(raiseBudget({ tokens: 100 }, { tokens: 100 })).toEqual({ tokens: 200 });
    expect(raiseBudget({ costUsd: 0.1 }, { costUsd: 0.1 })).toEqual({ costUsd: 0.2 });
  });

  it("repeated raises stay exact enough to read (0.3, not 0.30000000000000004)", () => {
    const original = { costUsd: 0.1 };
    const twice = raiseBudget(raiseBudget(original, original), original);
    expect(twice.costUsd).toBe(0.3);
  });

  it("does not modify its arguments", () => {
    const current = { tokens: 100, costUsd: 1 };
    const original = { tokens: 100, costUsd: 1 };
    raiseBudget(current, original);
    expect(current).toEqual({ tokens: 100, costUsd: 1 });
    expect(original).toEqual({ tokens: 100, costUsd: 1 });
  });
});

describe("budgetQuestion", () => {
  it("tokens: says how many more, and what was spent of what", () => {
    expect(
      budgetQuestion(
        spent({ promptTokens: 1100, completionTokens: 100 }),
        { tokens: 1000 },
        { tokens: 1000 },
      ),
    ).toBe(
      "This run has reached its budget. Continue, spending up to 1000 more tokens (spent 1200 of 1000)?",
    );
  });

  it("cost: in dollars", () => {
    expect(
      budgetQuestion(spent({ costUsd: 0.0123456 }), { costUsd: 0.02 }, { costUsd: 0.01 }),
    ).toBe(
      "This run has reached its budget. Continue, spending up to $0.01 more (spent $0.012346 of $0.02)?",
    );
  });

  it("both limits, after a raise: the current limit and the step", () => {
    const original = { tokens: 500, costUsd: 0.1 };
    const current = raiseBudget(raiseBudget(original, original), original);
    const q = budgetQuestion(spent({ promptTokens: 1500, costUsd: 0.3 }), current, original);
    expect(q).toBe(
      "This run has reached its budget. Continue, spending up to 500 more tokens (spent 1500 of 1500) and $0.1 more (spent $0.300000 of $0.3)?",
    );
  });
});

describe("a cost budget with an unpriced model", () => {
  it("counts as reached, and the question says the cost is unknown", () => {
    const unknown = spent({ promptTokens: 10, costUsd: null });
    expect(budgetReached(unknown, { costUsd: 1 })).toBe("costUsd");
    expect(budgetReached(unknown, { tokens: 1000 })).toBeNull();
    expect(budgetQuestion(unknown, { costUsd: 1 }, { costUsd: 1 })).toContain(
      "the cost so far is unknown: a model used has no price in AOB_MODEL_PRICES",
    );
  });
});

describe("what an agent may spend while it runs", () => {
  it("leaves each limit less what the run spent, never below 0", () => {
    expect(budgetLeft(spent({ promptTokens: 30, completionTokens: 10 }), { tokens: 100 })).toEqual({
      tokens: 60,
    });
    expect(budgetLeft(spent({ promptTokens: 300 }), { tokens: 100 })).toEqual({ tokens: 0 });
    expect(budgetLeft(spent({ costUsd: 0.25 }), { costUsd: 1 })).toEqual({ costUsd: 0.75 });
  });

  it("leaves an unknown cost to the check before each agent", () => {
    expect(budgetLeft(spent({ costUsd: null }), { tokens: 10, costUsd: 1 })).toEqual({
      tokens: 10,
    });
  });

  it("says which limit the agent's own spending reached", () => {
    expect(spentPast(spent({ promptTokens: 59 }), { tokens: 60 })).toBeNull();
    expect(spentPast(spent({ promptTokens: 50, completionTokens: 10 }), { tokens: 60 })).toBe(
      "tokens",
    );
    expect(spentPast(spent({ costUsd: 0.75 }), { costUsd: 0.75 })).toBe("costUsd");
    // A call of unknown cost does not count against a cost limit here.
    expect(spentPast(spent({ costUsd: null }), { costUsd: 0.75 })).toBeNull();
  });
});
