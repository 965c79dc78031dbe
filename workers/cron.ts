import { Cron } from "croner";
import { startRun } from "./api/routes/start-run";

/**
 * The scheduled handler (every minute): starts a run of each workflow whose cron expression
 * matches this minute. A (workflow, minute) delivery key makes a repeated invocation harmless.
 */
export async function runSchedules(scheduledTime: number, env: Env): Promise<string[]> {
  const minute = new Date(Math.floor(scheduledTime / 60_000) * 60_000);
  const rows = await env.DB.prepare(
    `SELECT t.workflow_id, t.tenant_id, t.cron, w.latest_version, v.definition
     FROM triggers t JOIN workflows w ON w.id = t.workflow_id AND w.deleted_at IS NULL
     JOIN workflow_versions v ON v.workflow_id = w.id AND v.version = w.latest_version
     WHERE t.cron IS NOT NULL`,
  ).all<{
    workflow_id: string;
    tenant_id: string;
    cron: string;
    latest_version: number;
    definition: string;
  }>();
  const started: string[] = [];
  for (const row of rows.results) {
    let due = false;
    try {
      due = new Cron(row.cron, { paused: true, timezone: "UTC" }).match(minute);
    } catch {
      continue;
    }
    if (!due) continue;
    const key = `cron:${minute.toISOString()}`;
    const claimed = await env.DB.prepare(
      `INSERT INTO trigger_deliveries (workflow_id, key, run_id, created_at) VALUES (?, ?, NULL, ?) ON CONFLICT DO NOTHING RETURNING key`,
    )
      .bind(row.workflow_id, key, Date.now())
      .first();
    if (!claimed) continue;
    try {
      const runId = await startRun(
        env,
        row.tenant_id,
        row.workflow_id,
        row.latest_version,
        JSON.parse(row.definition),
        { scheduledAt: minute.toISOString() },
      );
      await env.DB.prepare(
        `UPDATE trigger_deliveries SET run_id = ? WHERE workflow_id = ? AND key = ?`,
      )
        .bind(runId, row.workflow_id, key)
        .run();
      started.push(runId);
    } catch (err) {
      console.error(
        JSON.stringify({ at: "cron", workflowId: row.workflow_id, error: String(err) }),
      );
    }
  }
  return started;
}
