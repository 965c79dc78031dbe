import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { textPieces } from "./pieces";

describe("textPieces", () => {
  it("cuts at the size and never inside a surrogate pair", () => {
    expect(textPieces("abcde", 2)).toEqual(["ab", "cd", "e"]);
    expect(textPieces("a😀b", 2)).toEqual(["a", "😀", "b"]);
    expect(textPieces("", 2)).toEqual([]);
  });

  it("joins back to the text, each piece within the size and well formed", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.integer({ min: 2, max: 9 }), (text, max) => {
        const pieces = textPieces(text, max);
        expect(pieces.join("")).toBe(text);
        for (const p of pieces) {
          expect(p.length).toBeGreaterThan(0);
          expect(p.length).toBeLessThanOrEqual(max);
          expect(p.isWellFormed()).toBe(true);
        }
      }),
    );
  });
});
