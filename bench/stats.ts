/** Nearest-rank percentile (p in 0..100) of a list of numbers; NaN when the list is empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const median = (values: readonly number[]) => percentile(values, 50);
export const p95 = (values: readonly number[]) => percentile(values, 95);

/** Consecutive differences of a list: [b - a, c - b, …]. */
export function gaps(values: readonly number[]): number[] {
  return values.slice(1).map((v, i) => v - values[i]!);
}

export function fmt(ms: number, digits = 2): string {
  return Number.isNaN(ms) ? "–" : ms.toFixed(digits);
}

/** A Markdown table, columns padded so that it also reads as plain text. */
export function markdownTable(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The most intervals open at one instant (an end before a start at the same ms). */
export function mostAtOnce(spans: readonly { from: number; to: number }[]): number {
  const moments = spans.flatMap((s) => [
    { at: s.from, delta: 1 },
    { at: s.to, delta: -1 },
  ]);
  moments.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let most = 0;
  for (const m of moments) {
    now += m.delta;
    most = Math.max(most, now);
  }
  return most;
}
