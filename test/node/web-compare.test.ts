import { describe, expect, it } from "vitest";
import { edgeText, fieldChanges } from "../../web/src/builder/version-diff";
import { brief, formatDelta, jsonDiff } from "../../web/src/compare/json-diff";
import { formatRoute, parseRoute } from "../../web/src/route";

describe("the JSON diff of two outputs", () => {
  it("lists what changed, was added or removed, by path, in document order", () => {
    const a = { status: 200, body: { items: [{ id: 1, name: "a" }, { id: 2 }], at: 1000 } };
    const b = {
      status: 200,
      body: { items: [{ id: 1, name: "b" }], at: 2000, "next page": "x" },
    };
    expect(jsonDiff(a, b)).toEqual({
      cut: false,
      changes: [
        { path: "body.items[0].name", kind: "changed", before: "a", after: "b" },
        { path: "body.items[1]", kind: "removed", before: { id: 2 } },
        { path: "body.at", kind: "changed", before: 1000, after: 2000 },
        { path: 'body["next page"]', kind: "added", after: "x" },
      ],
    });
  });

  it("finds none between equal values, and one for a value whose type changed", () => {
    expect(jsonDiff({ a: [1, { b: null }] }, { a: [1, { b: null }] }).changes).toEqual([]);
    expect(jsonDiff({ a: [1] }, { a: { 0: 1 } }).changes).toEqual([
      { path: "a", kind: "changed", before: [1], after: { 0: 1 } },
    ]);
    expect(jsonDiff(1767225600412, 1767225900051).changes).toEqual([
      { path: "", kind: "changed", before: 1767225600412, after: 1767225900051 },
    ]);
    expect(jsonDiff(null, { a: 1 }).changes).toEqual([
      { path: "", kind: "changed", before: null, after: { a: 1 } },
    ]);
  });

  it("stops at `max` changes and says it cut the list", () => {
    const a = Array.from({ length: 1000 }, (_, i) => i);
    const b = a.map((i) => i + 1);
    const diff = jsonDiff(a, b, 10);
    expect(diff.changes).toHaveLength(10);
    expect(diff.cut).toBe(true);
    expect(diff.changes[9]).toEqual({ path: "[9]", kind: "changed", before: 9, after: 10 });
  });

  it("shows values on one line and durations as deltas", () => {
    expect(brief({ a: "x".repeat(100) }, 12)).toBe('{"a":"xxxxx…');
    expect(brief(undefined)).toBe("(none)");
    expect(formatDelta(1000, 3200)).toBe("+2.2 s");
    expect(formatDelta(50, 10)).toBe("−40 ms");
    expect(formatDelta(5, 5)).toBe("±0 ms");
    expect(formatDelta(null, 5)).toBe("");
  });
});

describe("the comparison's URL", () => {
  it("names both runs", () => {
    const route = { page: "compare", a: "run_a", b: "run_b" } as const;
    expect(formatRoute(route)).toBe("/runs/run_a/compare/run_b");
    expect(parseRoute("/runs/run_a/compare/run_b", "")).toEqual(route);
    expect(parseRoute("/runs/run_a", "")).toEqual({ page: "run", runId: "run_a" });
  });
});

describe("a version diff in words", () => {
  it("says which config fields of a changed node changed, and to what", () => {
    const before = { id: "call", type: "http", config: { url: "https://a.test/", method: "GET" } };
    const after = {
      id: "call",
      type: "http",
      config: { url: "https://b.test/", headers: { x: "1" } },
      retry: { maxAttempts: 5 },
    };
    expect(fieldChanges(before, after, ["config", "retry"]).changes).toEqual([
      { path: "config.url", kind: "changed", before: "https://a.test/", after: "https://b.test/" },
      { path: "config.method", kind: "removed", before: "GET" },
      { path: "config.headers", kind: "added", after: { x: "1" } },
      { path: "retry", kind: "added", after: { maxAttempts: 5 } },
    ]);
  });

  it("names edges with their port and loop", () => {
    expect(edgeText({ from: "ask", to: "yes", on: "approved" })).toBe("ask → yes (on approved)");
    expect(edgeText({ from: "b", to: "a", loop: { maxIterations: 3 } })).toBe(
      "b → a (loop, at most 3)",
    );
  });
});
