import { Cron } from "croner";
import { type CronLimits, parseCronLimits } from "../core/limits/cron-limits";
import { admitStart } from "../platform/admission";
import { startRun } from "./api/routes/start-run";

/** What one invocation did; every refusal is also logged and recorded on its delivery row. */
export interface CronReport {
  started: string[];
  refused: { workflowId: string; code: RefusalCode }[];
}

type RefusalCode = "rate_limited" | "cron_cap" | "not_found" | "start_failed";

interface Due {
  workflow_id: string;
  tenant_id: string;
  cron: string;
}

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
    const page = await env.DB.prepare(
      `SELECT t.workflow_id, t.tenant_id, t.cron
       FROM triggers t JOIN workflows w ON w.id = t.workflow_id AND w.deleted_at IS NULL
       WHERE t.cron IS NOT NULL AND t.workflow_id > ? ORDER BY t.workflow_id LIMIT ?`,
    )
      .bind(after, limits.pageSize)
      .all<Due>();
    for (const row of page.results) {
      if (isDue(row.cron, minute)) await fire(env, row, minute, limits, attempts, report);
    }
    const last = page.results.at(-1);
    if (!last || page.results.length < limits.pageSize) break;
    after = last.workflow_id;
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

async function fire(
  env: Env,
  row: Due,
  minute: Date,
  limits: CronLimits,
  attempts: Map<string, number>,
  report: CronReport,
): Promise<void> {
  const scheduledAt = minute.toISOString();
  const key = `cron:${scheduledAt}`;
  const claimed = await env.DB.prepare(
    `INSERT INTO trigger_deliveries (workflow_id, key, run_id, created_at) VALUES (?, ?, NULL, ?) ON CONFLICT DO NOTHING RETURNING key`,
  )
    .bind(row.workflow_id, key, Date.now())
    .first();
  if (!claimed) return; // an earlier invocation for this minute has it
  const refuse = async (code: RefusalCode, message: string, extra: object = {}) => {
    await env.DB.prepare(
      `UPDATE trigger_deliveries SET error = ? WHERE workflow_id = ? AND key = ? AND run_id IS NULL`,
    )
      .bind(JSON.stringify({ code, message, ...extra }), row.workflow_id, key)
      .run();
    console.warn(
      JSON.stringify({
        at: "cron",
        refused: code,
        workflowId: row.workflow_id,
        tenantId: row.tenant_id,
        scheduledAt,
        message,
        ...extra,
      }),
    );
    report.refused.push({ workflowId: row.workflow_id, code });
  };
  const tried = attempts.get(row.tenant_id) ?? 0;
  if (tried >= limits.runsPerTenant) {
    return refuse(
      "cron_cap",
      `this tenant's schedules already started ${limits.runsPerTenant} runs in this minute (AOB_CRON_LIMITS.runsPerTenant)`,
    );
  }
  attempts.set(row.tenant_id, tried + 1);
  const version = await env.DB.prepare(
    `SELECT w.latest_version, v.definition FROM workflows w
     JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.latest_version
     WHERE w.id = ? AND w.tenant_id = ? AND w.deleted_at IS NULL`,
  )
    .bind(row.workflow_id, row.tenant_id)
    .first<{ latest_version: number; definition: string }>();
  if (!version) return refuse("not_found", "the workflow was deleted");
  const definition: unknown = JSON.parse(version.definition);
  const admission = await admitStart(env, row.tenant_id, definition);
  if (!admission.ok) {
    return refuse("rate_limited", admission.message, {
      retryAfterSeconds: admission.retryAfterSeconds,
    });
  }
  try {
    const runId = await startRun(env, {
      tenantId: row.tenant_id,
      workflowId: row.workflow_id,
      version: version.latest_version,
      definition,
      input: { scheduledAt },
    });
    await env.DB.prepare(
      `UPDATE trigger_deliveries SET run_id = ? WHERE workflow_id = ? AND key = ?`,
    )
      .bind(runId, row.workflow_id, key)
      .run();
    report.started.push(runId);
  } catch (err) {
    await refuse("start_failed", String(err));
  }
}
