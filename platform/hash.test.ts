import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashJson } from "./hash";

const whole = (text: string) => createHash("sha256").update(text).digest("hex");

describe("hashJson, fed a piece at a time", () => {
  it("hashes the whole text's UTF-8, a surrogate pair on a piece's edge included", () => {
    const piece = 1024 * 1024;
    // The emoji's two halves straddle the first piece's end; euros are three bytes each.
    const straddling = `${"a".repeat(piece - 1)}😀${"€".repeat(piece)}`;
    const lone = `${"a".repeat(piece - 1)}\ud800${"b".repeat(10)}`;
    for (const text of ["", "{}", straddling, lone, "x".repeat(3 * piece + 5)]) {
      expect(hashJson(text)).toBe(whole(text));
    }
  });
});
