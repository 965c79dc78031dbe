import { z } from "zod";

/** How much one scheduled invocation does. `AOB_CRON_LIMITS` (JSON) overrides either. */
export const CronLimits = z.strictObject({
  /** Cron triggers read per D1 query (keyset pages over the workflow id). */
  pageSize: z.number().int().min(1).max(1000).default(200),
  /**
   * Scheduled runs one tenant may start per invocation (per minute); its other due triggers
   * are refused and recorded (`cron_cap`), so one tenant's schedules cannot crowd out others.
   */
  runsPerTenant: z.number().int().min(1).max(10_000).default(100),
});
export type CronLimits = z.infer<typeof CronLimits>;

export const DEFAULT_CRON_LIMITS: CronLimits = CronLimits.parse({});

/**
 * Reads `AOB_CRON_LIMITS`; a malformed value is a configuration error, not a silent default.
 * @example
 * parseCronLimits('{"runsPerTenant": 10}'); // { pageSize: 200, runsPerTenant: 10 }
 */
export function parseCronLimits(raw: string | undefined): CronLimits {
  if (!raw || raw.trim() === "") return DEFAULT_CRON_LIMITS;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`AOB_CRON_LIMITS is not JSON: ${(err as Error).message}`);
  }
  const parsed = CronLimits.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `AOB_CRON_LIMITS is invalid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return parsed.data;
}
