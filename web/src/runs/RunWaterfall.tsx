import { memo, useEffect, useMemo, useRef, useState } from "react";
import { formatDuration } from "../ui/format";
import { navigate } from "../use-route";
import type { EventListener } from "./use-run";
import { useWaterfall, WATERFALL_MAX_EVENTS } from "./use-waterfall";
import {
  type AttemptBar,
  axisOf,
  durationOf,
  place,
  type ShownRow,
  shownRows,
  ticks,
  visibleRange,
  type Waterfall,
} from "./waterfall";
import "./waterfall.css";

/** Height of a row, px: fixed, so only the rows in view are drawn. */
const ROW_H = 28;
/** Width of the node names' column, px. */
const NAME_W = 200;

type Axis = { from: number; to: number };

/** The attempt a pointer or the keyboard is on, for the tooltip. */
interface Active {
  key: string;
  index: number;
  row: ShownRow;
  bar: AttemptBar;
}

/** The clock, ticking every second while `live` (open spans grow), else frozen. */
function useNow(live: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [live]);
  return now;
}

const WAIT_WORDS: Record<string, string> = {
  delay: "a delay",
  approval: "an approval",
  event: "an event",
  child: "its child run",
  budget: "a budget approval",
};

/** What a bar says to a screen reader and in its tooltip. */
function barText(row: ShownRow, bar: AttemptBar, axis: Axis, now: number): string {
  const waiting = bar.spans.findLast((s) => s.kind === "waiting");
  const parts = [
    `${row.row.nodeId}, attempt ${bar.attempt}: ${bar.status}`,
    `started +${formatDuration(bar.from - axis.from)}`,
    `${bar.to === null ? "for" : "took"} ${formatDuration(durationOf(bar, now))}`,
  ];
  const queued = bar.spans.find((s) => s.kind === "queued");
  if (queued) parts.push(`queued ${formatDuration((queued.to ?? now) - queued.from)}`);
  if (waiting) {
    parts.push(
      `waited ${formatDuration((waiting.to ?? now) - waiting.from)} for ${WAIT_WORDS[waiting.reason ?? ""] ?? waiting.reason ?? "something"}`,
    );
  }
  if (bar.error) parts.push(bar.error);
  if (bar.retryAt !== undefined)
    parts.push(`retried after ${formatDuration(bar.retryAt - (bar.to ?? bar.from))}`);
  return parts.join(" · ");
}

/**
 * The run as a waterfall: a row per node that ran, each attempt a bar on one time axis (queued,
 * running and waiting stretches inside it; the backoff before a retry drawn between two bars),
 * following the run live. A subworkflow node's child run can be opened beneath it. Only the rows
 * in view are drawn. Choosing a bar selects its node, as on the graph.
 */
export function RunWaterfall({
  runId,
  listen,
  over,
  selected,
  onSelect,
}: {
  runId: string;
  listen(listener: EventListener): () => void;
  over: boolean;
  selected: string | null;
  onSelect(nodeId: string): void;
}) {
  const log = useWaterfall(runId, listen);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [children, setChildren] = useState<ReadonlyMap<string, Waterfall>>(new Map());
  const [active, setActive] = useState<Active | null>(null);
  const [scroll, setScroll] = useState({ top: 0, height: 600 });
  const [focusRow, setFocusRow] = useState<number | null>(null);
  const box = useRef<HTMLDivElement>(null);
  const now = useNow(!over);

  const rows = useMemo(
    () => shownRows(runId, log.waterfall, children, expanded),
    [runId, log.waterfall, children, expanded],
  );
  const axis = useMemo(() => {
    let a = axisOf(log.waterfall, now);
    // A child run's times widen the axis when they fall outside it.
    for (const w of children.values()) {
      const c = axisOf(w, now);
      a = { from: Math.min(a.from, c.from), to: Math.max(a.to, c.to) };
    }
    return a;
  }, [log.waterfall, children, now]);
  const grid = useMemo(() => ticks(axis), [axis]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = () => setScroll({ top: el.scrollTop, height: el.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // A node selected elsewhere (the graph, the timeline) is scrolled into view.
  useEffect(() => {
    const el = box.current;
    if (!el || selected === null) return;
    const i = rows.findIndex((r) => r.depth === 0 && r.row.nodeId === selected);
    if (i < 0) return;
    const top = i * ROW_H;
    if (top < el.scrollTop || top + ROW_H > el.scrollTop + el.clientHeight) {
      el.scrollTop = Math.max(0, top - el.clientHeight / 2);
    }
  }, [selected, rows]);

  // Arrow keys move between rows: the row is scrolled into view, then its first bar focused.
  useEffect(() => {
    if (focusRow === null) return;
    const el = box.current;
    if (!el) return;
    const top = focusRow * ROW_H;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_H > el.scrollTop + el.clientHeight)
      el.scrollTop = top + ROW_H - el.clientHeight;
    const target = el.querySelector<HTMLElement>(`[data-row="${focusRow}"] .wfl-bar`);
    if (target) {
      target.focus();
      setFocusRow(null);
    }
  });

  const { first, last } = visibleRange(scroll.top, scroll.height, ROW_H, rows.length);
  const toggle = (child: string) =>
    setExpanded((s) => {
      const next = new Set(s);
      if (next.has(child)) next.delete(child);
      else next.add(child);
      return next;
    });
  const choose = (row: ShownRow) => {
    if (row.runId === runId) onSelect(row.row.nodeId);
    else navigate({ page: "run", runId: row.runId });
  };
  const skipped =
    log.waterfall.rows.length - log.waterfall.rows.filter((r) => r.bars.length > 0).length;
  const shown = active && active.index >= first && active.index < last ? active : null;
  const tip = shown ? place(axis, shown.bar.from, shown.bar.to) : null;

  return (
    <section className="waterfall" aria-label="Waterfall" data-testid="waterfall">
      {[...expanded].map((child) => (
        <ChildLog
          key={child}
          runId={child}
          refresh={rows.find((r) => r.row.childRunId === child)?.row.bars.at(-1)?.status}
          onChange={(w) => setChildren((m) => new Map(m).set(child, w))}
        />
      ))}
      <div className="wfl-head">
        <span className="wfl-name muted">
          {rows.length} node{rows.length === 1 ? "" : "s"}
          {skipped > 0 && `, ${skipped} skipped`}
        </span>
        <div className="wfl-axis" aria-hidden="true">
          {grid.map((t) => (
            <span
              key={t}
              className="wfl-tick"
              style={{ left: `${(t / (axis.to - axis.from)) * 100}%` }}
            >
              +{formatDuration(t)}
            </span>
          ))}
        </div>
      </div>
      {log.error && (
        <p className="field-error" role="alert">
          Cannot read the run's events: {log.error}
        </p>
      )}
      {log.cut && (
        <p className="muted" role="status">
          The first {WATERFALL_MAX_EVENTS.toLocaleString("en-US")} events are shown; the rest of the
          log is in the Timeline.
        </p>
      )}
      <div
        className="wfl-scroll"
        ref={box}
        onScroll={(e) =>
          setScroll({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })
        }
      >
        {rows.length === 0 && (
          <p className="muted wfl-empty">
            {log.loading ? "Reading the run's events…" : "No node has started yet."}
          </p>
        )}
        <div className="wfl-rows" style={{ height: rows.length * ROW_H }}>
          <div className="wfl-grid" style={{ left: NAME_W }} aria-hidden="true">
            {grid.map((t) => (
              <span key={t} style={{ left: `${(t / (axis.to - axis.from)) * 100}%` }} />
            ))}
          </div>
          {rows.slice(first, last).map((row, k) => {
            const i = first + k;
            return (
              <WaterfallRow
                key={`${row.runId}:${row.row.nodeId}`}
                index={i}
                row={row}
                axis={axis}
                now={now}
                selected={row.runId === runId && row.row.nodeId === selected}
                expanded={row.row.childRunId !== undefined && expanded.has(row.row.childRunId)}
                onToggle={toggle}
                onChoose={choose}
                onActive={setActive}
                onMove={(step) => setFocusRow(Math.min(rows.length - 1, Math.max(0, i + step)))}
              />
            );
          })}
          {shown && tip && (
            <div
              className="wfl-tip"
              role="tooltip"
              id="wfl-tip"
              style={{
                top: (shown.index + 1) * ROW_H,
                left: `calc(${NAME_W}px + (100% - ${NAME_W}px) * ${Math.min(tip.left, 70) / 100})`,
              }}
            >
              {barText(shown.row, shown.bar, axis, now)}
            </div>
          )}
        </div>
      </div>
      <ul className="wfl-legend" aria-label="Legend">
        <li>
          <span className="wfl-swatch wfl-span-queued" /> queued
        </li>
        <li>
          <span className="wfl-swatch wfl-span-running" /> running
        </li>
        <li>
          <span className="wfl-swatch wfl-span-waiting" /> waiting (approval, delay, event, child
          run)
        </li>
        <li>
          <span className="wfl-swatch wfl-gap-swatch" /> backoff before a retry
        </li>
        <li>
          <span className="wfl-swatch wfl-swatch-failed" /> failed attempt
        </li>
      </ul>
    </section>
  );
}

/** One node's row: its name, and each attempt's bar with the backoffs between them. */
const WaterfallRow = memo(function WaterfallRow({
  index,
  row,
  axis,
  now,
  selected,
  expanded,
  onToggle,
  onChoose,
  onActive,
  onMove,
}: {
  index: number;
  row: ShownRow;
  axis: Axis;
  now: number;
  selected: boolean;
  expanded: boolean;
  onToggle(child: string): void;
  onChoose(row: ShownRow): void;
  onActive(active: Active | null): void;
  onMove(step: number): void;
}) {
  const { nodeId, bars, gaps, childRunId, items } = row.row;
  return (
    <div
      className={`wfl-row${selected ? " wfl-row-selected" : ""}${row.depth > 0 ? " wfl-row-child" : ""}`}
      style={{ top: index * ROW_H, height: ROW_H }}
      data-row={index}
      data-testid={row.depth === 0 ? `waterfall-row-${nodeId}` : `waterfall-child-row-${nodeId}`}
    >
      <span className="wfl-name" style={{ paddingLeft: 6 + row.depth * 16, width: NAME_W }}>
        {childRunId ? (
          <button
            type="button"
            className="linkish wfl-toggle"
            aria-expanded={expanded}
            onClick={() => onToggle(childRunId)}
            title={expanded ? "Hide its child run" : "Show its child run's nodes beneath it"}
          >
            {expanded ? "▾" : "▸"}
          </button>
        ) : null}
        <span className="wfl-node" title={nodeId}>
          {nodeId}
        </span>
        {items && <span className="muted wfl-items"> {items.succeeded + items.failed} items</span>}
      </span>
      <div className="wfl-track">
        {gaps.map((g) => {
          const at = place(axis, g.from, g.to);
          return (
            <span
              key={g.from}
              className="wfl-gap"
              style={{ left: `${at.left}%`, width: `${at.width}%` }}
              title={`backoff ${formatDuration((g.to ?? now) - g.from)}`}
            />
          );
        })}
        {bars.map((bar) => {
          const at = place(axis, bar.from, bar.to);
          const length = (bar.to ?? axis.to) - bar.from || 1;
          const key = `${row.runId}:${nodeId}:${bar.attempt}`;
          const enter = () => onActive({ key, index, row, bar });
          return (
            <button
              key={bar.attempt}
              type="button"
              className={`wfl-bar wfl-bar-${bar.status}`}
              style={{ left: `${at.left}%`, width: `${at.width}%` }}
              data-attempt={bar.attempt}
              data-status={bar.status}
              aria-label={barText(row, bar, axis, now)}
              onClick={() => onChoose(row)}
              onMouseEnter={enter}
              onFocus={enter}
              onMouseLeave={() => onActive(null)}
              onBlur={() => onActive(null)}
              onKeyDown={(e) => {
                if (e.key === "ArrowDown" || e.key === "ArrowUp") {
                  e.preventDefault();
                  onMove(e.key === "ArrowDown" ? 1 : -1);
                }
              }}
            >
              {bar.spans.map((s) => {
                const from = ((s.from - bar.from) / length) * 100;
                const width = (((s.to ?? axis.to) - s.from) / length) * 100;
                return (
                  <span
                    key={`${s.kind}:${s.from}`}
                    className={`wfl-span wfl-span-${s.kind}`}
                    style={{ left: `${from}%`, width: `${width}%` }}
                  />
                );
              })}
            </button>
          );
        })}
        {row.row.childRunId && bars.length > 0 && row.depth === 0 && (
          <span className="sr-only">child run {row.row.childRunId}</span>
        )}
      </div>
    </div>
  );
});

/** Reads a child run's waterfall (no socket of its own: read again when `refresh` changes). */
function ChildLog({
  runId,
  refresh,
  onChange,
}: {
  runId: string;
  refresh: unknown;
  onChange(w: Waterfall): void;
}) {
  const log = useWaterfall(runId, undefined, refresh);
  const report = useRef(onChange);
  report.current = onChange;
  useEffect(() => {
    report.current(log.waterfall);
  }, [log.waterfall]);
  return null;
}
