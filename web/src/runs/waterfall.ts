import type { RunEvent } from "../../../core/wire/frames";

/**
 * A run's waterfall: every node attempt on a time axis, derived from the run's event log alone
 * (the API has no per-attempt records). Folded incrementally: the run view folds each page of the
 * log and then each live batch, copying only the rows a batch touched.
 */

/** A stretch of an attempt: waiting in the queue, running, or parked (approval, delay, event...). */
export type SpanKind = "queued" | "running" | "waiting";

export interface Span {
  kind: SpanKind;
  from: number;
  /** Null while it lasts. */
  to: number | null;
  /** What a waiting span waits for: `approval`, `delay`, `event`, `child`, `budget`. */
  reason?: string;
}

export type BarStatus =
  | "queued"
  | "running"
  | "waiting"
  | "retrying"
  | "succeeded"
  | "failed"
  | "cancelled";

/** One attempt of a node, from when it was queued (or started) to its end. */
export interface AttemptBar {
  attempt: number;
  status: BarStatus;
  from: number;
  /** Null while the attempt lasts. */
  to: number | null;
  spans: Span[];
  /** `code: message` of a failed or retried attempt. */
  error?: string;
  /** A retried attempt: when the next one was due. */
  retryAt?: number;
  /** A subworkflow node's child run for this attempt. */
  childRunId?: string;
}

/** The wait between a retried attempt's end and the next attempt's start (its backoff). */
export interface Gap {
  from: number;
  /** Null until the next attempt begins. */
  to: number | null;
  /** When the next attempt was due. */
  due?: number;
}

export interface WaterfallRow {
  nodeId: string;
  bars: AttemptBar[];
  gaps: Gap[];
  /** Skipped without running (a branch not taken, an optimised-out node): when. */
  skippedAt?: number;
  /** A map's items: how many succeeded and failed. */
  items?: { succeeded: number; failed: number };
  /** The child run of the node's latest attempt that started one. */
  childRunId?: string;
}

export interface Waterfall {
  /** The first event's time: the axis starts there. */
  origin: number | null;
  /** When the run ended; null while it runs. */
  end: number | null;
  /** Rows in the order their nodes first appeared in the log: the order they started. */
  rows: WaterfallRow[];
  /**
   * Row of each node, by index in `rows`. Shared with the waterfalls folded from this one, so
   * it may also hold their newer rows: an index past `rows.length` is not this one's.
   */
  index: ReadonlyMap<string, number>;
  /** The newest seq folded in. */
  seq: number;
}

export const EMPTY_WATERFALL: Waterfall = {
  origin: null,
  end: null,
  rows: [],
  index: new Map(),
  seq: 0,
};

const OPEN: ReadonlySet<BarStatus> = new Set(["queued", "running", "waiting"]);

function num(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

function errorText(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === "string" ? `${code}: ${String(message ?? "")}` : undefined;
}

/** Ends the attempt's open span (if any) at `at`. */
function closeSpan(bar: AttemptBar, at: number): void {
  const last = bar.spans.at(-1);
  if (last && last.to === null) last.to = Math.max(last.from, at);
}

/**
 * The node index a fold of `w` may extend. Rows are only ever appended, so the waterfall a fold
 * returns shares its index with the one it came from, extended in place: `w` still reads it
 * right, since its own rows are a prefix. Only a second fold of the same `w` (whose index
 * another fold extended already) gets a copy of `w`'s part, so folding a live run costs work in
 * what changed, not in the number of nodes.
 */
function indexFor(w: Waterfall): Map<string, number> {
  const index = w.index as Map<string, number>;
  if (w !== EMPTY_WATERFALL && index.size === w.rows.length) return index;
  const own = new Map<string, number>();
  for (const [id, i] of index) if (i < w.rows.length) own.set(id, i);
  return own;
}

/**
 * Folds events (ascending seq) into a waterfall, returning a new one; events at or before
 * `w.seq` change nothing. Rows and bars a batch touches are copied, the others shared, so a
 * live run costs work in what changed plus one copy of the row list per batch.
 * @example
 * const w = foldWaterfall(EMPTY_WATERFALL, page.events);
 * w.rows.find((r) => r.nodeId === "fetch")?.bars.length; // 2: failed once, retried
 */
export function foldWaterfall(w: Waterfall, events: readonly RunEvent[]): Waterfall {
  const fresh = events.filter((e) => e.seq > w.seq);
  if (fresh.length === 0) return w;
  const rows = w.rows.slice();
  const index = indexFor(w);
  const touched = new Set<number>();
  let { origin, end } = w;

  /** The node's row, copied (with its bars and gaps) the first time this batch touches it. */
  const rowOf = (nodeId: string): WaterfallRow => {
    let i = index.get(nodeId);
    if (i === undefined) {
      i = rows.length;
      rows.push({ nodeId, bars: [], gaps: [] });
      index.set(nodeId, i);
      touched.add(i);
      return rows[i]!;
    }
    if (!touched.has(i)) {
      const old = rows[i]!;
      rows[i] = {
        ...old,
        bars: old.bars.map((b) => ({ ...b, spans: b.spans.map((s) => ({ ...s })) })),
        gaps: old.gaps.map((g) => ({ ...g })),
        ...(old.items ? { items: { ...old.items } } : {}),
      };
      touched.add(i);
    }
    return rows[i]!;
  };
  /** The bar of `attempt` (the latest without one), created from `at` when new. */
  const barOf = (row: WaterfallRow, attempt: number | undefined, at: number) => {
    const found =
      attempt === undefined ? row.bars.at(-1) : row.bars.find((b) => b.attempt === attempt);
    if (found) return found;
    const bar: AttemptBar = {
      attempt: attempt ?? (row.bars.at(-1)?.attempt ?? 0) + 1,
      status: "queued",
      from: at,
      to: null,
      spans: [],
    };
    // The backoff before it ends where it begins.
    const gap = row.gaps.at(-1);
    if (gap && gap.to === null) gap.to = Math.max(gap.from, at);
    row.bars.push(bar);
    return bar;
  };
  const finish = (bar: AttemptBar, status: BarStatus, at: number) => {
    closeSpan(bar, at);
    bar.status = status;
    bar.to = Math.max(bar.from, at);
  };

  for (const e of fresh) {
    origin ??= e.at;
    const d = e.data ?? {};
    switch (e.type) {
      case "run_completed":
      case "run_failed":
        end = e.at;
        continue;
      case "run_cancelled":
        end = e.at;
        for (let i = 0; i < rows.length; i++) {
          if (!rows[i]!.bars.some((b) => OPEN.has(b.status))) continue;
          for (const bar of rowOf(rows[i]!.nodeId).bars) {
            if (OPEN.has(bar.status)) finish(bar, "cancelled", e.at);
          }
        }
        continue;
      default:
        break;
    }
    if (e.nodeId === undefined) continue;
    const attempt = num(d.attempt);
    switch (e.type) {
      case "node_queued": {
        const row = rowOf(e.nodeId);
        const bar = barOf(row, attempt, e.at);
        // A redelivery keeps its attempt: it is still queued, from its first queueing.
        if (d.redelivery !== undefined || bar.spans.length > 0) break;
        bar.status = "queued";
        bar.spans.push({ kind: "queued", from: e.at, to: null });
        break;
      }
      case "node_started": {
        const row = rowOf(e.nodeId);
        const at = num(d.startedAt) ?? e.at;
        const bar = barOf(row, attempt, at);
        closeSpan(bar, at);
        bar.status = "running";
        bar.spans.push({ kind: "running", from: at, to: null });
        break;
      }
      case "node_waiting": {
        const row = rowOf(e.nodeId);
        const bar = barOf(row, attempt, e.at);
        if (!OPEN.has(bar.status)) break;
        closeSpan(bar, e.at);
        bar.status = "waiting";
        const reason = typeof d.reason === "string" ? d.reason : undefined;
        bar.spans.push({ kind: "waiting", from: e.at, to: null, ...(reason ? { reason } : {}) });
        if (typeof d.childRunId === "string") {
          bar.childRunId = d.childRunId;
          row.childRunId = d.childRunId;
        }
        break;
      }
      case "node_retrying": {
        const row = rowOf(e.nodeId);
        const bar = barOf(row, attempt, e.at);
        finish(bar, "retrying", e.at);
        const error = errorText(d.error);
        if (error) bar.error = error;
        const due = num(d.nextAttemptAt);
        if (due !== undefined) bar.retryAt = due;
        row.gaps.push({ from: e.at, to: null, ...(due !== undefined ? { due } : {}) });
        break;
      }
      case "node_failed": {
        const bar = barOf(rowOf(e.nodeId), attempt, e.at);
        finish(bar, "failed", e.at);
        const error = errorText(d.error);
        if (error) bar.error = error;
        break;
      }
      case "node_succeeded":
        finish(barOf(rowOf(e.nodeId), attempt, e.at), "succeeded", e.at);
        break;
      case "node_skipped":
        rowOf(e.nodeId).skippedAt = e.at;
        break;
      case "map_item_succeeded":
      case "map_item_failed": {
        const row = rowOf(e.nodeId);
        row.items ??= { succeeded: 0, failed: 0 };
        if (e.type === "map_item_succeeded") row.items.succeeded++;
        else row.items.failed++;
        break;
      }
      default:
        break;
    }
  }
  return { origin, end, rows, index, seq: fresh.at(-1)!.seq };
}

/** The axis of a waterfall: from its origin to its end, or to `now` while it runs. */
export function axisOf(w: Waterfall, now: number): { from: number; to: number } {
  const from = w.origin ?? now;
  let to = w.end ?? now;
  // A live run whose clock is behind the server's still shows every span.
  for (const row of w.rows) {
    const last = row.bars.at(-1);
    if (last?.to !== null && last?.to !== undefined && last.to > to) to = last.to;
  }
  return { from, to: Math.max(to, from + 1) };
}

/** Where something from `from` to `to` (null: until the axis's end) sits, in % of the axis. */
export function place(
  axis: { from: number; to: number },
  from: number,
  to: number | null,
): { left: number; width: number } {
  const length = axis.to - axis.from;
  const start = Math.min(Math.max(from, axis.from), axis.to);
  const stop = Math.min(Math.max(to ?? axis.to, start), axis.to);
  return { left: ((start - axis.from) / length) * 100, width: ((stop - start) / length) * 100 };
}

/** How long an attempt took, or has taken by `now`. */
export function durationOf(bar: AttemptBar, now: number): number {
  return (bar.to ?? now) - bar.from;
}

/** A row shown in the list: a run's row, at a depth (a child run's rows are nested). */
export interface ShownRow {
  row: WaterfallRow;
  runId: string;
  depth: number;
}

/**
 * The rows to show, in order: the run's, and after each node whose child run is expanded, that
 * child's rows one level deeper (and its expanded children deeper still). Skipped nodes that
 * never ran are left out unless `skipped`.
 * @example
 * shownRows("run_1", parent, new Map([["run_2", child]]), new Set(["run_2"]));
 */
export function shownRows(
  runId: string,
  w: Waterfall,
  children: ReadonlyMap<string, Waterfall>,
  expanded: ReadonlySet<string>,
  skipped = false,
  depth = 0,
): ShownRow[] {
  const out: ShownRow[] = [];
  for (const row of w.rows) {
    if (row.bars.length === 0 && !skipped) continue;
    out.push({ row, runId, depth });
    const child = row.childRunId;
    const nested = child && expanded.has(child) ? children.get(child) : undefined;
    if (child && nested && depth < 8) {
      out.push(...shownRows(child, nested, children, expanded, skipped, depth + 1));
    }
  }
  return out;
}

/**
 * Which rows of a list of fixed-height rows are in view (with `overscan` rows either side):
 * only those are drawn, so a run of 10,000 nodes renders a screenful.
 * @example
 * visibleRange(260, 520, 26, 10_000); // { first: 2, last: 38 }
 */
export function visibleRange(
  scrollTop: number,
  height: number,
  rowHeight: number,
  count: number,
  overscan = 8,
): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}

/**
 * Round times from the axis's start for its grid lines: a step of 1, 2 or 5 times a power of
 * ten (ms) giving at most `most` lines.
 * @example
 * ticks({ from: 0, to: 2300 }); // [0, 500, 1000, 1500, 2000]
 */
export function ticks(axis: { from: number; to: number }, most = 6): number[] {
  const length = axis.to - axis.from;
  let step = 1;
  for (let power = 1; ; power *= 10) {
    const fit = [1, 2, 5].map((m) => m * power).find((s) => length / s < most);
    if (fit !== undefined) {
      step = fit;
      break;
    }
  }
  const out: number[] = [];
  for (let t = 0; t <= length; t += step) out.push(t);
  return out;
}
