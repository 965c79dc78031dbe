import { describe, expect, it } from "vitest";
import { downloadName, fileExtension, findBlobs, isTextual, mediaType } from "./blob-content";

describe("blob content types", () => {
  it("reads the media type without parameters or case", () => {
    expect(mediaType("Text/HTML; charset=utf-8")).toBe("text/html");
    expect(mediaType("")).toBe("");
  });

  it("tells text from binary", () => {
    for (const t of [
      "text/plain",
      "text/csv; charset=utf-8",
      "application/json",
      "application/problem+json",
      "application/atom+xml",
      "image/svg+xml",
    ]) {
      expect(isTextual(t), t).toBe(true);
    }
    for (const t of ["application/pdf", "image/png", "application/octet-stream", ""]) {
      expect(isTextual(t), t).toBe(false);
    }
  });

  it("names files by node and type", () => {
    expect(fileExtension("application/vnd.api+json")).toBe("json");
    expect(fileExtension("text/x-unknown")).toBe("txt");
    expect(fileExtension("application/x-unknown")).toBe("bin");
    expect(downloadName("report", "application/pdf")).toBe("report.pdf");
    expect(downloadName("fetch", "image/png", "-body")).toBe("fetch-body.png");
    expect(downloadName("a/b c", "application/json")).toBe("a_b_c.json");
    expect(downloadName("..", "text/plain")).toBe("_.txt");
  });
});

describe("findBlobs", () => {
  const marker = (n: number) => ({
    $blob: String(n).repeat(64),
    bytes: n,
    contentType: "image/png",
  });
  it("finds the value itself, or each marker inside it with its path, in order", () => {
    expect(findBlobs(marker(1))).toEqual([{ path: "", marker: marker(1) }]);
    const output = { status: 200, body: marker(2), pages: [{ x: 1 }, marker(3)], note: "$blob" };
    expect(findBlobs(output)).toEqual([
      { path: "body", marker: marker(2) },
      { path: "pages[1]", marker: marker(3) },
    ]);
  });

  it("ignores what only looks like a marker, and stops at the limit", () => {
    expect(findBlobs({ $blob: "not-a-hash", bytes: 1, contentType: "x" })).toEqual([]);
    expect(findBlobs([marker(1), marker(2), marker(3)], 2)).toHaveLength(2);
    expect(findBlobs(null)).toEqual([]);
  });
});
