import { describe, expect, it } from "vitest";
import { checkRegexes, evaluateExpression } from "./jsonata";
import { checkRegex, LinearRegExp } from "./regex";

describe("checkRegex", () => {
  it("refuses nested quantifiers", () => {
    for (const re of [/(a+)+$/, /(x+x+)+y/, /^(\d*)*$/, /((ab)*c)*/]) {
      expect(checkRegex(re)).toMatchObject({ code: "unsafe_regex" });
    }
  });

  it("refuses what RE2 cannot run, saying so", () => {
    expect(checkRegex(/a(?=b)/)).toMatchObject({ code: "unsupported_regex" });
    expect(checkRegex(/(a)\1/)?.message).toContain("back-references");
  });

  it("accepts ordinary patterns", () => {
    for (const re of [/^\d{4}-\d{2}-\d{2}$/, /[a-z]+@[a-z]+\.com/i, /\s+$/, /(?<y>\d+)/, /a\/b/]) {
      expect(checkRegex(re)).toBeNull();
    }
  });
});

describe("checkRegexes", () => {
  it("finds regex literals anywhere in an expression, with their position", () => {
    const problems = checkRegexes(
      "input.items[$contains(name, /ok/)].{ 'x': $map(tags, function($t){ $match($t, /(a+)+$/) }) }",
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: "unsafe_regex", regex: "/(a+)+$/" });
    expect(problems[0]?.position).toBeGreaterThan(40);
  });

  it("has nothing to say about an expression without regexes, or one that does not parse", () => {
    expect(checkRegexes("input.a + 1")).toEqual([]);
    expect(checkRegexes("input. +")).toEqual([]);
  });
});

describe("regexes at run time (RE2)", () => {
  const ctx = { input: { s: "Ada Lovelace, ada@x.test; Bob, BOB@y.test" } };

  it("matches like JavaScript for the functions that take a regex", async () => {
    expect(await evaluateExpression("$match(input.s, /([a-z]+)@([a-z.]+)/i).groups", ctx)).toEqual([
      "ada",
      "x.test",
      "BOB",
      "y.test",
    ]);
    expect(await evaluateExpression("$replace(input.s, /[aeiou]/, '_')", ctx)).toBe(
      "Ad_ L_v_l_c_, _d_@x.t_st; B_b, BOB@y.t_st",
    );
    expect(await evaluateExpression("$split('a1b22c', /\\d+/)", ctx)).toEqual(["a", "b", "c"]);
    expect(await evaluateExpression("$contains(input.s, /^ada/im)", ctx)).toBe(true);
    expect(await evaluateExpression("$contains(input.s, /^bob/)", ctx)).toBe(false);
  });

  it("behaves like a global RegExp for exec and lastIndex", () => {
    const re = new LinearRegExp(/b(x)?/g);
    const first = re.exec("abcb");
    expect([...(first ?? [])]).toEqual(["b", undefined]);
    expect(first?.index).toBe(1);
    expect(re.lastIndex).toBe(2);
    expect(re.exec("abcb")?.index).toBe(3);
    expect(re.exec("abcb")).toBeNull();
    expect(re.lastIndex).toBe(0);
  });
});
