import { describe, expect, it } from "vitest";
import {
  formatBytes,
  MAX_OUTPUT_BYTES,
  nestedDeeperThan,
  outputProblem,
  storableJson,
  utf8Length,
} from "./output";

const nested = (depth: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { v };
  return v;
};

describe("outputProblem (core/limits/output.ts)", () => {
  it("accepts ordinary values, null and an output right at the limit", () => {
    expect(outputProblem({ a: [1, "two", null] })).toBeNull();
    expect(outputProblem(null)).toBeNull();
    expect(outputProblem(undefined)).toBeNull();
    // JSON of a string is its text plus two quotes.
    expect(outputProblem("x".repeat(MAX_OUTPUT_BYTES - 2))).toBeNull();
    expect(outputProblem("x".repeat(MAX_OUTPUT_BYTES - 1))).toMatchObject({
      code: "output_too_large",
    });
  });

  it("counts UTF-8 bytes, so multi-byte text cannot slip past the limit", () => {
    const euros = "€".repeat(400_000); // 1.2 MB of UTF-8 in 400,000 characters
    expect(euros.length).toBeLessThan(MAX_OUTPUT_BYTES);
    expect(outputProblem(euros)).toMatchObject({
      code: "output_too_large",
      message: expect.stringMatching(/^the output is 1\.1 MiB of JSON/),
      retryable: false,
    });
    expect(utf8Length("a€😀")).toBe(1 + 3 + 4);
    expect(utf8Length("\ud800")).toBe(3); // a lone surrogate is sent as U+FFFD
  });

  it("refuses nesting deeper than 128 levels, without recursion", () => {
    expect(outputProblem(nested(128))).toBeNull();
    expect(outputProblem(nested(129))).toMatchObject({ code: "output_too_deep", retryable: false });
    expect(nestedDeeperThan(nested(1_000_000), 128)).toBe(true);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(outputProblem(cyclic)).toMatchObject({ code: "output_too_deep" });
  });

  it("takes a smaller limit where a caller has one", () => {
    expect(outputProblem("x".repeat(100), 64)).toMatchObject({
      message: expect.stringContaining("up to 64 B"),
    });
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5 MiB");
  });
});

describe("storableJson", () => {
  it("answers the canonical JSON with its UTF-8 length, or the same errors as outputProblem", () => {
    expect(storableJson({ b: "€", a: [1, undefined] })).toEqual({
      json: '{"a":[1,null],"b":"€"}',
      bytes: 24,
    });
    expect(storableJson(undefined)).toEqual({ json: "null", bytes: 4 });
    expect(storableJson("x".repeat(100), 64)).toEqual({
      problem: outputProblem("x".repeat(100), 64),
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(storableJson(cyclic)).toMatchObject({ problem: { code: "output_too_deep" } });
    expect(storableJson({ n: 1n })).toMatchObject({ problem: { code: "output_not_json" } });
  });
});
