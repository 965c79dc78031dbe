/**
 * Retention (docs/LIFECYCLE.md): how long a tenant's finished runs are kept. A tenant has one
 * policy, a workflow may have its own that replaces it whole; a held run is never deleted by it.
 */
import { z } from "zod";

const Days = z
  .number()
  .int("must be a whole number of days")
  .min(1, "must be at least 1 day")
  .max(36_500, "must be at most 36,500 days (100 years)")
  .nullable();

/** A retention policy as the API takes it; null (or absent) fields do not limit. */
export const RetentionPolicy = z
  .object({
    days: Days.optional().describe("Finished runs older than this many days are deleted"),
    failedDays: Days.optional().describe(
      "Failed runs are kept this many days instead (longer or shorter than `days`)",
    ),
    keepLast: z
      .number()
      .int("must be a whole number of runs")
      .min(1, "must keep at least 1 run")
      .max(1_000_000, "must be at most 1,000,000 runs")
      .nullable()
      .optional()
      .describe("Only the newest this many finished runs of each workflow are kept"),
  })
  .strict();
export type RetentionPolicy = z.infer<typeof RetentionPolicy>;

/** A policy with every field present. */
export interface Retention {
  days: number | null;
  failedDays: number | null;
  keepLast: number | null;
}

/** What a tenant that set nothing gets: finished runs are kept 30 days. */
export const DEFAULT_RETENTION: Retention = { days: 30, failedDays: null, keepLast: null };

/** The policy with absent fields as null. */
export function retention(policy: RetentionPolicy): Retention {
  return {
    days: policy.days ?? null,
    failedDays: policy.failedDays ?? null,
    keepLast: policy.keepLast ?? null,
  };
}

const DAY_MS = 86_400_000;

/**
 * Finish times before which runs are expired at `now`: `finished` for completed and cancelled
 * runs, `failed` for failed ones; null = no age limit.
 * @example
 * cutoffs({ days: 30, failedDays: 90, keepLast: null }, now) // { finished: now - 30 d, failed: now - 90 d }
 */
export function cutoffs(
  policy: Retention,
  now: number,
): { finished: number | null; failed: number | null } {
  const failedDays = policy.failedDays ?? policy.days;
  return {
    finished: policy.days === null ? null : now - policy.days * DAY_MS,
    failed: failedDays === null ? null : now - failedDays * DAY_MS,
  };
}
