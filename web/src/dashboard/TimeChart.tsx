import { useEffect, useId, useRef, useState } from "react";
import uPlot from "uplot";
import { formatTime } from "../ui/format";
import { type Lines, sumOf } from "./series";
import "./dashboard.css";

/** The value of a colour token (`var(--…)` of ui/tokens.css): uPlot draws on a canvas. */
function colourOf(el: Element, token: string): string {
  const name = /var\((--[\w-]+)\)/.exec(token)?.[1];
  return name ? getComputedStyle(el).getPropertyValue(name).trim() : token;
}

const HEIGHT = 220;

/**
 * A titled line chart of a series over the window (uPlot, on a canvas), with its numbers as
 * text: each line's total under it, and every bucket in a table behind "Show as table".
 */
export function TimeChart({
  title,
  testId,
  data,
  format,
  empty,
}: {
  title: string;
  testId: string;
  data: Lines;
  format: (n: number) => string;
  /** Said instead of a chart when there are no lines (no model was called). */
  empty: string;
}) {
  const titleId = useId();
  const [asTable, setAsTable] = useState(false);
  const plotRef = useRef<HTMLDivElement>(null);
  const hasLines = data.lines.length > 0;

  useEffect(() => {
    const el = plotRef.current;
    if (!el || asTable || !hasLines) return;
    const plot = new uPlot(
      {
        width: Math.max(el.clientWidth, 200),
        height: HEIGHT,
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true } },
        axes: [
          {
            stroke: colourOf(el, "var(--muted)"),
            grid: { stroke: colourOf(el, "var(--line-faint)") },
          },
          {
            stroke: colourOf(el, "var(--muted)"),
            grid: { stroke: colourOf(el, "var(--line-faint)") },
            values: (_u, ticks) => ticks.map(format),
            size: 70,
          },
        ],
        series: [
          { label: "time", value: (_u, t) => (t === null ? "–" : formatTime(t * 1000)) },
          ...data.lines.map((line) => ({
            label: line.label,
            stroke: colourOf(el, line.colour),
            width: 2,
            points: { show: data.xs.length <= 60 },
            value: (_u: uPlot, v: number | null) => (v === null ? "–" : format(v)),
          })),
        ],
      },
      [data.xs.map((t) => t / 1000), ...data.lines.map((l) => l.values)],
      el,
    );
    const resize = new ResizeObserver(() => {
      plot.setSize({ width: Math.max(el.clientWidth, 200), height: HEIGHT });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [data, format, asTable, hasLines]);

  // Buckets with nothing in them are left out of the table (a 30-day range has 120 of them).
  const rows = data.xs
    .map((t, i) => ({ t, values: data.lines.map((l) => l.values[i] ?? 0) }))
    .filter((r) => r.values.some((v) => v !== 0));
  return (
    <section className="chart" aria-labelledby={titleId} data-testid={testId}>
      <div className="chart-head">
        <h2 id={titleId}>{title}</h2>
        {hasLines && (
          <button
            type="button"
            className="small"
            aria-pressed={asTable}
            onClick={() => setAsTable((v) => !v)}
          >
            {asTable ? "Show as chart" : "Show as table"}
          </button>
        )}
      </div>
      {!hasLines && <p className="muted">{empty}</p>}
      {hasLines && !asTable && (
        <div
          ref={plotRef}
          className="chart-plot"
          role="img"
          aria-label={`${title}: a line per ${data.lines.map((l) => l.label).join(", ")}; the totals follow`}
        />
      )}
      {hasLines && asTable && (
        <div className="chart-table">
          <table className="table">
            <caption className="sr-only">{title}, by bucket</caption>
            <thead>
              <tr>
                <th scope="col">bucket from</th>
                {data.lines.map((l) => (
                  <th key={l.label} scope="col">
                    {l.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.t}>
                  <td>{formatTime(r.t)}</td>
                  {r.values.map((v, i) => (
                    <td key={data.lines[i]?.label} className="num">
                      {format(v)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length === 0 && <p className="muted">Every bucket is zero.</p>}
        </div>
      )}
      {hasLines && (
        <dl className="chart-totals" aria-label={`${title}: totals over the window`}>
          {data.lines.map((l) => (
            <div key={l.label} data-testid={`${testId}-total-${l.label}`}>
              <dt>
                <span className="chart-swatch" style={{ background: l.colour }} aria-hidden />
                {l.label}
              </dt>
              <dd data-value={sumOf(l.values)}>{format(sumOf(l.values))}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
