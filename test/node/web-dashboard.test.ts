import { describe, expect, it } from "vitest";
import type { Stats } from "../../web/src/api/types";
import { RANGES, windowOf } from "../../web/src/dashboard/range";
import { modelLines, runLines, sumOf } from "../../web/src/dashboard/series";
import { formatRoute, parseRoute, type Route } from "../../web/src/route";

const point = (
  t: number,
  over: Partial<Stats["series"][number]> = {},
): Stats["series"][number] => ({
  t,
  started: 0,
  completed: 0,
  failed: 0,
  cancelled: 0,
  tokens: 0,
  costUsd: 0,
  models: {},
  ...over,
});

describe("the dashboard's route", () => {
  it("keeps the workflow, range and bucket in the URL, and reads them back", () => {
    const route: Route = { page: "dashboard", workflowId: "wf_1", range: "7d", bucket: "1h" };
    expect(formatRoute(route)).toBe("/dashboard?workflow=wf_1&range=7d&bucket=1h");
    expect(parseRoute("/dashboard", "?workflow=wf_1&range=7d&bucket=1h")).toEqual(route);
  });

  it("reads the defaults (every workflow, 24 hours, the API's bucket) from a bare or wrong URL", () => {
    const plain = { page: "dashboard", workflowId: null, range: "24h", bucket: null };
    expect(parseRoute("/dashboard", "")).toEqual(plain);
    expect(parseRoute("/dashboard", "?range=2y&bucket=3m")).toEqual(plain);
    expect(formatRoute(plain as Route)).toBe("/dashboard");
  });
});

describe("the dashboard's window", () => {
  it("ends now and is as long as its preset, within the API's 31 days", () => {
    for (const [range, ms] of Object.entries(RANGES)) {
      const w = windowOf(range as keyof typeof RANGES, 10_000_000_000);
      expect(w).toEqual({ since: 10_000_000_000 - ms, until: 10_000_000_000 });
      expect(ms).toBeLessThanOrEqual(31 * 86_400_000);
    }
  });
});

describe("the dashboard's chart lines", () => {
  const series = [
    point(0, { started: 3, completed: 1, failed: 1 }),
    point(60_000, {
      completed: 1,
      cancelled: 1,
      models: { small: { tokens: 10, costUsd: 0.1 }, big: { tokens: 50, costUsd: 0.2 } },
    }),
    point(120_000, { models: { small: { tokens: 70, costUsd: 0.3 } } }),
  ];

  it("draws a line per outcome whose totals are the series' sums", () => {
    const { xs, lines } = runLines(series);
    expect(xs).toEqual([0, 60_000, 120_000]);
    expect(lines.map((l) => [l.label, sumOf(l.values)])).toEqual([
      ["started", 3],
      ["completed", 2],
      ["failed", 1],
      ["cancelled", 1],
    ]);
    expect(lines.every((l) => l.colour.startsWith("var(--"))).toBe(true);
  });

  it("draws a line per model, most first, zero where a bucket did not call it", () => {
    const tokens = modelLines(series, "tokens");
    expect(tokens.lines.map((l) => [l.label, l.values])).toEqual([
      ["small", [0, 10, 70]],
      ["big", [0, 50, 0]],
    ]);
    // By cost, the same order here (0.4 against 0.2), each model its own colour.
    const cost = modelLines(series, "costUsd");
    expect(cost.lines.map((l) => l.label)).toEqual(["small", "big"]);
    expect(new Set(cost.lines.map((l) => l.colour)).size).toBe(2);
    expect(modelLines([point(0)], "tokens").lines).toEqual([]);
  });
});
