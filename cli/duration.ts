import { UsageError } from "./errors";

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since 24h`: a duration like `30m`, `24h` or `7d` before now, as ms since the epoch.
 * @example
 * sinceDuration("24h"); // Date.now() - 86_400_000
 */
export function sinceDuration(raw: string): number {
  const match = /^(\d+)([mhd])$/.exec(raw.trim());
  if (!match) throw new UsageError(`--since takes a duration like 30m, 24h or 7d, not "${raw}"`);
  return Date.now() - Number(match[1]) * UNITS[match[2]!]!;
}
