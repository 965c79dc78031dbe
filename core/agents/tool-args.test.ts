import { describe, expect, it } from "vitest";
import { MAX_ARGUMENT_CHARS, parseToolArgs } from "./tool-args";

const schema = {
  type: "object",
  properties: { id: { type: "integer" }, tags: { type: "array", items: { type: "string" } } },
  required: ["id"],
  additionalProperties: false,
};

describe("parseToolArgs", () => {
  it("takes a JSON object that matches the schema", () => {
    expect(parseToolArgs('{"id": 7, "tags": ["a"]}', schema)).toEqual({
      ok: true,
      args: { id: 7, tags: ["a"] },
    });
    expect(parseToolArgs("", { type: "object" })).toEqual({ ok: true, args: {} });
  });

  it("refuses what does not, with the path of each problem", () => {
    const r = parseToolArgs('{"id": "7", "tags": [1], "extra": true}', schema);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.error).toBe("the arguments do not match the tool's parameters");
    expect(r.error.problems?.map((p) => p.split(":")[0])).toEqual(
      expect.arrayContaining(["id", "tags.0", "(arguments)"]),
    );
  });

  it("refuses text that is not a JSON object, or too long", () => {
    expect(parseToolArgs("{", schema)).toMatchObject({ ok: false });
    expect(parseToolArgs("[1]")).toMatchObject({
      ok: false,
      error: { error: "the arguments must be a JSON object" },
    });
    expect(parseToolArgs(`{"s":"${"x".repeat(MAX_ARGUMENT_CHARS)}"}`)).toMatchObject({ ok: false });
  });
});
