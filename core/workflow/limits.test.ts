import { describe, expect, it } from "vitest";
import { checkJsonLimits, MAX_JSON_DEPTH, MAX_STRING_LENGTH } from "./limits";

describe("checkJsonLimits", () => {
  it("accepts ordinary documents", () => {
    expect(checkJsonLimits({ a: [1, { b: "x" }], c: null })).toBeNull();
  });

  it("names the path of a string that is too long", () => {
    expect(
      checkJsonLimits({ nodes: [{ config: { url: "x".repeat(MAX_STRING_LENGTH + 1) } }] }),
    ).toMatchObject({
      path: ["nodes", 0, "config", "url"],
    });
  });

  it("names the path where nesting gets too deep", () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH + 5; i++) deep = { d: deep };
    const problem = checkJsonLimits(deep);
    expect(problem?.path).toHaveLength(MAX_JSON_DEPTH);
    expect(problem?.message).toMatch(/deeper than 64/);
  });
});
