/**
 * The Prometheus text exposition format, version 0.0.4 (what `GET /api/metrics` answers with
 * `Content-Type: text/plain; version=0.0.4`): `# HELP` and `# TYPE` per family, then its
 * samples; label values escaped (`\\`, `\"`, `\n`); histograms as cumulative `_bucket{le}`
 * samples ending in `le="+Inf"`, then `_sum` and `_count`.
 */
import type { BucketCounts } from "./buckets";

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels: Labels;
  value: number;
}

/** One histogram series: its buckets not cumulated (one per bound), count and sum. */
export interface HistogramSample {
  labels: Labels;
  bounds: readonly number[];
  buckets: BucketCounts;
  count: number;
  sum: number;
}

export type Family =
  | { type: "counter" | "gauge"; name: string; help: string; samples: Sample[] }
  | { type: "histogram"; name: string; help: string; samples: HistogramSample[] };

/**
 * A label value as the format quotes it.
 * @example
 * escapeLabelValue('say "hi"\\n'); // 'say \\"hi\\"\\\\n'
 */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** `# HELP` text: backslashes and line breaks escaped (quotes stay). */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/**
 * A sample value: `+Inf`, `-Inf` and `NaN` spelled as the format wants.
 * @example
 * formatValue(Infinity); // "+Inf"
 */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function line(name: string, labels: Labels, value: number): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return `${name}${pairs.length ? `{${pairs.join(",")}}` : ""} ${formatValue(value)}`;
}

function histogramLines(name: string, s: HistogramSample): string[] {
  const out: string[] = [];
  let cumulative = 0;
  s.bounds.forEach((bound, i) => {
    cumulative += s.buckets[i] ?? 0;
    out.push(line(`${name}_bucket`, { ...s.labels, le: formatValue(bound) }, cumulative));
  });
  out.push(line(`${name}_bucket`, { ...s.labels, le: "+Inf" }, s.count));
  out.push(line(`${name}_sum`, s.labels, s.sum));
  out.push(line(`${name}_count`, s.labels, s.count));
  return out;
}

/**
 * The exposition of `families`, in order, ending with a line break. A family without samples
 * still gets its HELP and TYPE, so a scraper learns every metric from the first scrape.
 * @example
 * exposition([{ type: "gauge", name: "aob_approvals_pending", help: "Approvals waiting", samples: [{ labels: {}, value: 2 }] }]);
 * // "# HELP aob_approvals_pending Approvals waiting\n# TYPE aob_approvals_pending gauge\naob_approvals_pending 2\n"
 */
export function exposition(families: readonly Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    if (f.type === "histogram") {
      for (const s of f.samples) out.push(...histogramLines(f.name, s));
    } else {
      for (const s of f.samples) out.push(line(f.name, s.labels, s.value));
    }
  }
  return `${out.join("\n")}\n`;
}
