import { describe, expect, it } from "vitest";
import { byteRange, contentRange } from "./byte-range";

describe("byteRange", () => {
  it("reads the three forms of one range, clamped to the blob", () => {
    expect(byteRange("bytes=0-1023", 10_000)).toEqual({ kind: "range", offset: 0, length: 1024 });
    expect(byteRange("bytes=9000-", 10_000)).toEqual({ kind: "range", offset: 9000, length: 1000 });
    expect(byteRange("bytes=-100", 10_000)).toEqual({ kind: "range", offset: 9900, length: 100 });
    expect(byteRange("bytes=9990-20000", 10_000)).toEqual({
      kind: "range",
      offset: 9990,
      length: 10,
    });
    expect(byteRange("bytes=-20000", 10_000)).toEqual({ kind: "range", offset: 0, length: 10_000 });
    expect(byteRange("bytes=5-5", 10)).toEqual({ kind: "range", offset: 5, length: 1 });
  });

  it("is unsatisfiable past the end, for an empty suffix and for an empty blob", () => {
    expect(byteRange("bytes=10-", 10)).toEqual({ kind: "unsatisfiable" });
    expect(byteRange("bytes=10-20", 10)).toEqual({ kind: "unsatisfiable" });
    expect(byteRange("bytes=-0", 10)).toEqual({ kind: "unsatisfiable" });
    expect(byteRange("bytes=-5", 0)).toEqual({ kind: "unsatisfiable" });
    expect(byteRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
  });

  it("serves the whole blob for no header, another unit, several ranges or a malformed one", () => {
    for (const header of [
      null,
      undefined,
      "",
      "items=0-1",
      "bytes=0-1,5-6",
      "bytes=-",
      "bytes=5-1",
      "bytes=a-b",
      "bytes 0-1",
    ]) {
      expect(byteRange(header, 10), String(header)).toEqual({ kind: "whole" });
    }
  });

  it("writes Content-Range for a range and for a refusal", () => {
    expect(contentRange({ kind: "range", offset: 0, length: 1024 }, 10_000)).toBe(
      "bytes 0-1023/10000",
    );
    expect(contentRange({ kind: "unsatisfiable" }, 10_000)).toBe("bytes */10000");
  });
});
