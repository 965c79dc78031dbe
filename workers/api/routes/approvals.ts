import { Hono } from "hono";
import { z } from "zod";
import type { DecisionRefusal } from "../../../durable-objects/run/approvals";
import { ApiError, notFound } from "../errors";
import { requireScope } from "../scopes";
import type { AppEnv } from "../types";
import { intQuery, jsonBody } from "../validation";

const Decision = z.strictObject({
  decision: z.enum(["approve", "reject"]),
  comment: z.string().max(5000).optional(),
  /** Form data, validated against the approval's JSON Schema when it has one. */
  data: z.unknown().optional(),
});

const STATUSES = ["pending", "approved", "rejected", "timeout", "cancelled"] as const;

/**
 * Deciding an approval (the UI and the CLI use this same route), and the approvals inbox.
 * Refusals (not waiting, already decided, bad form) change nothing.
 */
export const approvalRoutes = new Hono<AppEnv>()
  .post("/runs/:id/approvals/:nodeId", requireScope("approve"), async (c) => {
    const body = await jsonBody(c, Decision);
    const runId = c.req.param("id");
    const row = await c.env.DB.prepare(`SELECT id FROM runs WHERE id = ? AND tenant_id = ?`)
      .bind(runId, c.get("tenantId"))
      .first();
    if (!row) throw notFound(`run ${runId}`);
    const stub = c.env.RUNS.get(c.env.RUNS.idFromName(runId));
    const vote: { by: string; decision: "approve" | "reject"; comment?: string; data?: unknown } = {
      by: c.get("keyName"),
      decision: body.decision,
    };
    if (body.comment !== undefined) vote.comment = body.comment;
    if (body.data !== undefined) vote.data = body.data;
    const result = (await stub.decide(c.req.param("nodeId"), vote)) as unknown as
      | { ok: true; approval: unknown }
      | DecisionRefusal;
    if (!result.ok) {
      const code =
        result.status === 404
          ? "not_found"
          : result.status === 400
            ? "validation_failed"
            : "conflict";
      throw new ApiError(result.status, code, result.message, result.details);
    }
    return c.json(result.approval);
  })
  .get("/approvals", async (c) => {
    const status = c.req.query("status") ?? "pending";
    if (!STATUSES.includes(status as (typeof STATUSES)[number])) {
      throw new ApiError(400, "bad_request", `status must be one of ${STATUSES.join(", ")}`);
    }
    const limit = intQuery(c, "limit", 100, 1, 500);
    const rows = await c.env.DB.prepare(
      `SELECT run_id, node_id, attempt, workflow_id, status, message, form, required, votes, created_at, expires_at, decided_at
       FROM approvals WHERE tenant_id = ? AND status = ? ORDER BY created_at DESC LIMIT ?`,
    )
      .bind(c.get("tenantId"), status, limit)
      .all<{
        run_id: string;
        node_id: string;
        attempt: number;
        workflow_id: string;
        status: string;
        message: string;
        form: string | null;
        required: number;
        votes: string;
        created_at: number;
        expires_at: number | null;
        decided_at: number | null;
      }>();
    return c.json({
      approvals: rows.results.map((r) => ({
        runId: r.run_id,
        nodeId: r.node_id,
        attempt: r.attempt,
        workflowId: r.workflow_id,
        status: r.status,
        message: r.message,
        form: r.form === null ? null : (JSON.parse(r.form) as unknown),
        required: r.required,
        votes: JSON.parse(r.votes) as unknown,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
        decidedAt: r.decided_at,
      })),
    });
  });
