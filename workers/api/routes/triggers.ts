import { Cron } from "croner";
import { Hono } from "hono";
import { z } from "zod";
import { hashKey } from "../auth";
import { ApiError } from "../errors";
import type { AppEnv } from "../types";
import { jsonBody } from "../validation";
import { loadVersion } from "./workflows";

const TriggerBody = z.strictObject({
  /** true: keep (or create) the webhook; false: remove it. */
  webhook: z.boolean().optional(),
  /** Issue a new webhook token (the old one stops working). */
  rotateToken: z.boolean().optional(),
  /** A 5-field cron expression in UTC, or null to remove the schedule. */
  cron: z.string().max(100).nullable().optional(),
});

function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replaceAll("=", "");
}

/** Checks a cron expression; the error names the field. */
export function checkCron(expression: string): string | null {
  if (expression.trim().split(/\s+/).length !== 5)
    return "a cron expression has 5 fields: minute hour day month weekday";
  try {
    new Cron(expression, { paused: true, timezone: "UTC" });
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** A workflow's triggers. The webhook URL (with its token) is shown only when a token is issued. */
export const triggerRoutes = new Hono<AppEnv>()
  .get("/workflows/:id/triggers", async (c) => {
    const id = c.req.param("id");
    await loadVersion(c.env, c.get("tenantId"), id);
    const row = await c.env.DB.prepare(
      `SELECT webhook_token_hash, cron FROM triggers WHERE workflow_id = ?`,
    )
      .bind(id)
      .first<{ webhook_token_hash: string | null; cron: string | null }>();
    return c.json({
      workflowId: id,
      webhook: Boolean(row?.webhook_token_hash),
      cron: row?.cron ?? null,
    });
  })
  .put("/workflows/:id/triggers", async (c) => {
    const id = c.req.param("id");
    const body = await jsonBody(c, TriggerBody);
    await loadVersion(c.env, c.get("tenantId"), id);
    if (body.cron) {
      const problem = checkCron(body.cron);
      if (problem) {
        throw new ApiError(400, "validation_failed", `cron: ${problem}`, {
          errors: [{ path: ["cron"], at: "cron", code: "invalid_cron", message: problem }],
        });
      }
    }
    const current = await c.env.DB.prepare(
      `SELECT webhook_token_hash, cron FROM triggers WHERE workflow_id = ?`,
    )
      .bind(id)
      .first<{ webhook_token_hash: string | null; cron: string | null }>();
    let token: string | null = null;
    let hash = current?.webhook_token_hash ?? null;
    if (body.webhook === false) hash = null;
    else if ((body.webhook && !hash) || body.rotateToken) {
      token = newToken();
      hash = await hashKey(token);
    }
    const cron = body.cron === undefined ? (current?.cron ?? null) : body.cron;
    await c.env.DB.prepare(
      `INSERT INTO triggers (workflow_id, tenant_id, webhook_token_hash, cron, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (workflow_id) DO UPDATE SET webhook_token_hash = excluded.webhook_token_hash, cron = excluded.cron, updated_at = excluded.updated_at`,
    )
      .bind(id, c.get("tenantId"), hash, cron, Date.now())
      .run();
    const origin = new URL(c.req.url).origin;
    return c.json({
      workflowId: id,
      webhook: hash !== null,
      cron,
      ...(token ? { webhookUrl: `${origin}/hooks/${id}/${token}` } : {}),
    });
  });
