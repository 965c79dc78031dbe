import { describe, expect, it } from "vitest";
import { NODE_DURATION_BOUNDS } from "./buckets";
import { escapeLabelValue, exposition } from "./exposition";

describe("the Prometheus text format", () => {
  it("escapes backslashes, quotes and line breaks in label values, and line breaks in help", () => {
    expect(escapeLabelValue('a\\b "c"\nd')).toBe('a\\\\b \\"c\\"\\nd');
    const text = exposition([
      {
        type: "counter",
        name: "aob_runs_total",
        help: 'Runs "ended"\nby status',
        samples: [{ labels: { workflow: 'x"\\\n', status: "failed" }, value: 3 }],
      },
    ]);
    expect(text).toBe(
      [
        '# HELP aob_runs_total Runs "ended"\\nby status',
        "# TYPE aob_runs_total counter",
        'aob_runs_total{workflow="x\\"\\\\\\n",status="failed"} 3',
        "",
      ].join("\n"),
    );
  });

  it("writes a histogram's buckets cumulated, then +Inf (the count), _sum and _count", () => {
    const buckets = new Array<number>(NODE_DURATION_BOUNDS.length).fill(0);
    buckets[0] = 2; // <= 5 ms
    buckets[7] = 1; // <= 1 s
    const text = exposition([
      {
        type: "histogram",
        name: "aob_node_duration_seconds",
        help: "h",
        samples: [
          { labels: { kind: "http" }, bounds: NODE_DURATION_BOUNDS, buckets, count: 4, sum: 901.5 },
        ],
      },
    ]);
    const lines = text.trim().split("\n");
    expect(lines).toContain('aob_node_duration_seconds_bucket{kind="http",le="0.005"} 2');
    expect(lines).toContain('aob_node_duration_seconds_bucket{kind="http",le="0.5"} 2');
    expect(lines).toContain('aob_node_duration_seconds_bucket{kind="http",le="1"} 3');
    expect(lines).toContain('aob_node_duration_seconds_bucket{kind="http",le="300"} 3');
    expect(lines.slice(-3)).toEqual([
      'aob_node_duration_seconds_bucket{kind="http",le="+Inf"} 4',
      'aob_node_duration_seconds_sum{kind="http"} 901.5',
      'aob_node_duration_seconds_count{kind="http"} 4',
    ]);
    expect(lines.filter((l) => l.includes("_bucket"))).toHaveLength(
      NODE_DURATION_BOUNDS.length + 1,
    );
  });

  it("keeps HELP and TYPE of a family without samples, and spells special values", () => {
    expect(
      exposition([
        { type: "gauge", name: "aob_approvals_pending", help: "p", samples: [] },
        { type: "gauge", name: "g", help: "g", samples: [{ labels: {}, value: Infinity }] },
      ]),
    ).toBe(
      "# HELP aob_approvals_pending p\n# TYPE aob_approvals_pending gauge\n# HELP g g\n# TYPE g gauge\ng +Inf\n",
    );
  });
});
