import { Cron } from "croner";
import { type CronLimits, parseCronLimits } from "../core/limits/cron-limits";
import type { WorkflowDefinition } from "../core/workflow/definition";
import {
  describeScheduledInputIssues,
  scheduledInput,
  scheduledInputIssues,
} from "../core/workflow/scheduled-input";
import { insertDelivery, recordDeliveryRefusal, recordDeliveryRun } from "../db/deliveries";
import { type Schedule, schedulesAfter } from "../db/triggers";
import { findLatestDefinition } from "../db/workflows";
import { admitStart } from "../platform/admission";
import { startRun } from "./api/services/start-run";

/** What one invocation did; every refusal is also logged and recorded on its delivery row. */
export interface CronReport {
  started: string[];
  refused: { workflowId: string; code: RefusalCode }[];
}

type RefusalCode = "rate_limited" | "cron_cap" | "not_found" | "invalid_input" | "start_failed";

/**
 * The scheduled handler (every minute): starts a run of each workflow whose cron expression
 * matches this minute. Triggers are read in keyset pages (`AOB_CRON_LIMITS.pageSize`), by their
 * expressions only; a definition is loaded only for a trigger that is due. Each start goes
 * through the same admission as the API (`admitStart`), and one tenant starts at most
 * `runsPerTenant` runs per invocation. A (workflow, minute) delivery row makes a repeated
 * invocation harmless, and holds the reason when no run started.
 */
export async function runSchedules(scheduledTime: number, env: Env): Promise<CronReport> {
  const limits = parseCronLimits(env.AOB_CRON_LIMITS);
  const minute = new Date(Math.floor(scheduledTime / 60_000) * 60_000);
  const report: CronReport = { started: [], refused: [] };
  const attempts = new Map<string, number>();
  let after = "";
  for (;;) {
    const page = await schedulesAfter(env.DB, { after, limit: limits.pageSize });
    for (const row of page) {
      if (isDue(row.cron, minute)) await fire(env, row, { minute, limits, attempts, report });
    }
    const last = page.at(-1);
    if (!last || page.length < limits.pageSize) break;
    after = last.workflowId;
  }
  return report;
}

function isDue(expression: string, minute: Date): boolean {
  try {
    return new Cron(expression, { paused: true, timezone: "UTC" }).match(minute);
  } catch {
    return false; // stored expressions were checked when set; a croner upgrade could differ
  }
}

/** One invocation's minute, limits and tally, shared by the schedules it fires. */
interface Invocation {
  minute: Date;
  limits: CronLimits;
  /** Starts tried per tenant in this invocation. */
  attempts: Map<string, number>;
  report: CronReport;
}

async function fire(env: Env, row: Schedule, invocation: Invocation): Promise<void> {
  const { minute, limits, attempts, report } = invocation;
  const scheduledAt = minute.toISOString();
  const key = `cron:${scheduledAt}`;
  const at = { workflowId: row.workflowId, key };
  if (!(await insertDelivery(env.DB, { ...at, runId: null, now: Date.now() }))) return; // an earlier invocation for this minute has it
  const refuse = async (code: RefusalCode, message: string, extra: object = {}) => {
    await recordDeliveryRefusal(env.DB, {
      ...at,
      error: JSON.stringify({ code, message, ...extra }),
    });
    console.warn(
      JSON.stringify({
        at: "cron",
        refused: code,
        workflowId: row.workflowId,
        tenantId: row.tenantId,
        scheduledAt,
        message,
        ...extra,
      }),
    );
    report.refused.push({ workflowId: row.workflowId, code });
  };
  const tried = attempts.get(row.tenantId) ?? 0;
  if (tried >= limits.runsPerTenant) {
    return refuse(
      "cron_cap",
      `this tenant's schedules already started ${limits.runsPerTenant} runs in this minute (AOB_CRON_LIMITS.runsPerTenant)`,
    );
  }
  attempts.set(row.tenantId, tried + 1);
  const version = await findLatestDefinition(env.DB, row.tenantId, row.workflowId);
  if (!version) return refuse("not_found", "the workflow was deleted");
  const definition = JSON.parse(version.definition) as WorkflowDefinition;
  // A version saved after the schedule may refuse its input (the save warned of it).
  const refused = scheduledInputIssues(definition);
  if (refused.length > 0) return refuse("invalid_input", describeScheduledInputIssues(refused));
  const admission = await admitStart(env, row.tenantId, definition);
  if (!admission.ok) {
    return refuse("rate_limited", admission.message, {
      retryAfterSeconds: admission.retryAfterSeconds,
    });
  }
  try {
    const { runId } = await startRun(env, {
      trigger: "cron",
      tenantId: row.tenantId,
      workflowId: row.workflowId,
      version: version.latestVersion,
      definition,
      input: scheduledInput(minute),
    });
    await recordDeliveryRun(env.DB, { ...at, runId });
    report.started.push(runId);
  } catch (err) {
    await refuse("start_failed", String(err));
  }
}
