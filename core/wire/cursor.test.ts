import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, page } from "./cursor";

describe("page cursors", () => {
  it("round-trip any sort key of their shape", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.string({ unit: "grapheme" }), (n, s) => {
        expect(decodeCursor(encodeCursor([n, s]), ["n", "s"])).toEqual([n, s]);
      }),
      { numRuns: 200 },
    );
  });

  it("refuse a cursor of another shape, edited or not base64url", () => {
    const good = encodeCursor([5, "run_a"]);
    expect(decodeCursor(good, ["s", "s"])).toBeNull();
    expect(decodeCursor(good, ["n"])).toBeNull();
    expect(decodeCursor(`${good}!`, ["n", "s"])).toBeNull();
    expect(decodeCursor(good.slice(0, -3), ["n", "s"])).toBeNull();
    expect(decodeCursor(encodeCursor([1.5, "a"]), ["n", "s"])).toBeNull();
    expect(decodeCursor("x".repeat(2000), ["s"])).toBeNull();
  });

  it("gives a cursor only when a row past the page was read", () => {
    const rows = [{ k: 1 }, { k: 2 }, { k: 3 }];
    expect(page(rows, 3, (r) => [r.k]).nextCursor).toBeNull();
    const first = page(rows, 2, (r) => [r.k]);
    expect(first.items).toEqual([{ k: 1 }, { k: 2 }]);
    expect(decodeCursor(first.nextCursor!, ["n"])).toEqual([2]);
  });
});
