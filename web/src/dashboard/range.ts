/** The dashboard's time ranges: a preset, read back from `now`, and the window it asks for. */

/** Each preset's length (ms); the API allows at most 31 days. */
export const RANGES = {
  "1h": 3_600_000,
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
  "30d": 30 * 86_400_000,
} as const;
export type RangePreset = keyof typeof RANGES;
export const RANGE_PRESETS = Object.keys(RANGES) as RangePreset[];

/** What a preset is called on its button. */
export const RANGE_LABELS: Record<RangePreset, string> = {
  "1h": "Last hour",
  "24h": "Last 24 hours",
  "7d": "Last 7 days",
  "30d": "Last 30 days",
};

/**
 * The window of a preset ending at `now`: `[since, until)` in ms, as `GET /api/stats` takes it.
 * @example
 * windowOf("1h", 7_200_000) // { since: 3_600_000, until: 7_200_000 }
 */
export function windowOf(range: RangePreset, now: number): { since: number; until: number } {
  return { since: now - RANGES[range], until: now };
}
