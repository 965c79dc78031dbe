/**
 * The stats answer's series as chart lines: the x values (bucket starts) and one line of y values
 * per run outcome or per model, each with the colour token it is drawn in.
 */
import type { Stats } from "../api/types";

export interface Line {
  label: string;
  values: number[];
  /** A custom property of ui/tokens.css, written `var(--…)`. */
  colour: string;
}

export interface Lines {
  /** Bucket starts (ms). */
  xs: number[];
  lines: Line[];
}

/** The run outcomes in the order their lines are drawn, with their status colours. */
const RUN_LINES = [
  { key: "started", label: "started", colour: "var(--s-running)" },
  { key: "completed", label: "completed", colour: "var(--s-succeeded)" },
  { key: "failed", label: "failed", colour: "var(--s-failed)" },
  { key: "cancelled", label: "cancelled", colour: "var(--s-cancelled)" },
] as const;

/** Colours given to models in turn (most tokens first); a twelfth model reuses the first. */
const MODEL_COLOURS = [
  "var(--accent)",
  "var(--patch)",
  "var(--kind-http-map)",
  "var(--warn)",
  "var(--kind-branch)",
  "var(--ok)",
  "var(--danger)",
  "var(--s-cancelled)",
];

/**
 * Runs started, completed, failed and cancelled per bucket.
 * @example
 * runLines([{ t: 0, started: 2, completed: 1, failed: 0, cancelled: 0, ... }]).lines[0]
 * // { label: "started", values: [2], colour: "var(--s-running)" }
 */
export function runLines(series: Stats["series"]): Lines {
  return {
    xs: series.map((p) => p.t),
    lines: RUN_LINES.map(({ key, label, colour }) => ({
      label,
      colour,
      values: series.map((p) => p[key]),
    })),
  };
}

/**
 * Tokens or cost per bucket, a line per model (the models of the whole series, most of `what`
 * first, then by name), so a model used in one bucket only is zero in the others.
 */
export function modelLines(series: Stats["series"], what: "tokens" | "costUsd"): Lines {
  const totals = new Map<string, number>();
  for (const p of series) {
    for (const [model, usage] of Object.entries(p.models)) {
      totals.set(model, (totals.get(model) ?? 0) + usage[what]);
    }
  }
  const models = [...totals.keys()].sort(
    (a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || a.localeCompare(b),
  );
  return {
    xs: series.map((p) => p.t),
    lines: models.map((model, i) => ({
      label: model,
      colour: MODEL_COLOURS[i % MODEL_COLOURS.length] ?? "var(--accent)",
      values: series.map((p) => p.models[model]?.[what] ?? 0),
    })),
  };
}

/** A line's sum (a total the chart's text shows beside it). */
export const sumOf = (values: number[]) => values.reduce((s, v) => s + v, 0);
