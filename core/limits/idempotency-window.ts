/**
 * How long a webhook delivery's idempotency key (and a cron minute's) is remembered
 * (docs/LIFECYCLE.md): a repeat within the window answers the first run; after it, the key is
 * free again and the sweep deletes its row. `AOB_IDEMPOTENCY_HOURS` overrides the default.
 */
export const DEFAULT_IDEMPOTENCY_HOURS = 24;
const MAX_HOURS = 24 * 365;

/**
 * The window in ms; a malformed value is a configuration error, not a silent default.
 * @example
 * idempotencyWindowMs("") // 86_400_000
 * idempotencyWindowMs("2") // 7_200_000
 */
export function idempotencyWindowMs(raw: string | undefined): number {
  if (!raw || raw.trim() === "") return DEFAULT_IDEMPOTENCY_HOURS * 3_600_000;
  const hours = Number(raw);
  if (!Number.isFinite(hours) || hours <= 0 || hours > MAX_HOURS) {
    throw new Error(
      `AOB_IDEMPOTENCY_HOURS must be a number of hours above 0 and at most ${MAX_HOURS}, not "${raw}"`,
    );
  }
  return Math.round(hours * 3_600_000);
}
