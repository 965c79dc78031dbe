/**
 * The retention sweep (docs/LIFECYCLE.md), run by the scheduled handler every minute: first it
 * finishes deletions that stopped half-way, then deletes runs retention expired, at most
 * `budget` runs per invocation (the rest wait for the next minute: `more`): those of workflows
 * deleted with their runs first (a workflow's own rows go once it has none left), then those
 * retention expired; then up to 1,000 trigger delivery keys past their idempotency window. Each invocation
 * writes its report to `sweeps` as it goes, so a sweep that dies still says what it did.
 */

import { idempotencyWindowMs } from "../../core/limits/idempotency-window";
import { deleteExpiredLinks } from "../../db/decision-links";
import { pruneDeliveries } from "../../db/deliveries";
import {
  deleteTenantRows,
  deleteWorkflowRows,
  purgingTenants,
  purgingWorkflows,
  runsOf,
  runsOfTenant,
  unfinishedDeletions,
  workflowsOfTenant,
} from "../../db/lifecycle";
import { expiredRuns, recordSweep, type SweepReport, startSweep } from "../../db/retention";
import { deleteRun } from "./delete-run";

/** Runs one invocation deletes at most. */
export const SWEEP_BUDGET = 200;
/** Runs deleted at once. */
const SWEEP_CONCURRENCY = 10;
const DAY_MS = 86_400_000;

/** Expired delivery keys (and decision links) one invocation deletes at most. */
const DELIVERIES_PER_SWEEP = 1000;

/**
 * One sweep at `now`.
 * @example
 * const report = await sweep(env, Date.now());
 * if (report.more) // more expired runs than the budget: the next minute goes on
 */
export async function sweep(
  env: Pick<Env, "DB" | "BLOBS" | "RUNS" | "AOB_IDEMPOTENCY_HOURS">,
  now: number,
  budget = SWEEP_BUDGET,
): Promise<SweepReport> {
  const id = await startSweep(env.DB, now);
  const report: SweepReport = {
    id,
    startedAt: now,
    finishedAt: null,
    runsDeleted: 0,
    rowsDeleted: 0,
    blobsDeleted: 0,
    bytesFreed: 0,
    more: false,
    error: null,
  };
  try {
    const resumed = await unfinishedDeletions(env.DB, now, budget);
    const purging: string[] = [];
    // Tenants deleting all their data: their runs, then their workflows' rows, then their own.
    for (const tenantId of await purgingTenants(env.DB, 5)) {
      const room = budget - resumed.length - purging.length;
      if (room <= 0) break;
      const ids = await runsOfTenant(env.DB, tenantId, room + 1);
      if (ids.length > 0) {
        purging.push(...ids);
        continue;
      }
      const workflows = await workflowsOfTenant(env.DB, tenantId, 50);
      for (const id of workflows) {
        report.rowsDeleted += await deleteWorkflowRows(env.DB, { id, tenantId });
      }
      if (workflows.length === 0) report.rowsDeleted += await deleteTenantRows(env.DB, tenantId);
    }
    // Workflows deleted with their runs: their runs next, and their own rows once none is left.
    for (const workflow of await purgingWorkflows(env.DB, 10)) {
      const room = budget - resumed.length - purging.length;
      if (room <= 0) break;
      const ids = await runsOf(env.DB, workflow, room + 1);
      if (ids.length === 0) report.rowsDeleted += await deleteWorkflowRows(env.DB, workflow);
      else purging.push(...ids);
    }
    const expired = await expiredRuns(env.DB, now, budget - resumed.length - purging.length + 1);
    const todo = [...new Set([...resumed, ...purging, ...expired])];
    report.more = todo.length > budget;
    const chosen = todo.slice(0, budget);
    // A few at once: each deletion is a dozen round trips to D1, R2 and its object.
    for (let at = 0; at < chosen.length; at += SWEEP_CONCURRENCY) {
      const batch = chosen.slice(at, at + SWEEP_CONCURRENCY);
      for (const deleted of await Promise.all(batch.map((id) => deleteRun(env, id, { now })))) {
        if (!deleted.ok) continue; // active again (never expired), or gone meanwhile
        report.runsDeleted += 1;
        report.rowsDeleted += deleted.rows;
        report.blobsDeleted += deleted.blobs;
        report.bytesFreed += deleted.bytes;
      }
      await recordSweep(env.DB, report);
    }
    // Delivery keys past their window answer nothing any more (workers/api/deliveries.ts).
    const window = idempotencyWindowMs(env.AOB_IDEMPOTENCY_HOURS);
    report.rowsDeleted += await pruneDeliveries(env.DB, now - window, DELIVERIES_PER_SWEEP);
    // Decision links a day past their expiry (docs/PEOPLE.md): they only answer 410 by then.
    report.rowsDeleted += await deleteExpiredLinks(env.DB, now - DAY_MS, DELIVERIES_PER_SWEEP);
  } catch (err) {
    report.error = String(err);
    console.error(JSON.stringify({ at: "sweep", id, error: report.error }));
  }
  report.finishedAt = Date.now();
  await recordSweep(env.DB, report);
  return report;
}
