import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { hashKey } from "./auth";
import { ApiError, onError } from "./errors";
import { MAX_BODY_BYTES } from "./limits";
import { admitRun } from "./rate-limit";
import { startRun } from "./routes/start-run";
import { loadVersion } from "./routes/workflows";
import type { AppEnv } from "./types";

/**
 * `POST /hooks/:workflowId/:token`: starts a run with the JSON body as input. The token is the
 * credential (only its hash is stored). An `Idempotency-Key` header makes repeats return the
 * first run instead of starting another.
 */
export const hooks = new Hono<AppEnv>()
  .use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(
          413,
          "payload_too_large",
          `request body exceeds ${MAX_BODY_BYTES} bytes`,
        );
      },
    }),
  )
  .post("/hooks/:workflowId/:token", async (c) => {
    const workflowId = c.req.param("workflowId");
    const row = await c.env.DB.prepare(
      `SELECT tenant_id FROM triggers WHERE workflow_id = ? AND webhook_token_hash = ?`,
    )
      .bind(workflowId, await hashKey(c.req.param("token")))
      .first<{ tenant_id: string }>();
    // Same answer for an unknown workflow and a wrong token: nothing to probe.
    if (!row) throw new ApiError(404, "not_found", "no webhook at this address");
    c.set("tenantId", row.tenant_id);
    const text = await c.req.text();
    let input: unknown = null;
    if (text.trim() !== "") {
      try {
        input = JSON.parse(text);
      } catch {
        throw new ApiError(400, "bad_request", "the body is not valid JSON");
      }
    }
    const key = c.req.header("idempotency-key");
    if (key !== undefined) {
      if (key.length === 0 || key.length > 200) {
        throw new ApiError(400, "bad_request", "Idempotency-Key must be 1-200 characters");
      }
      const claimed = await c.env.DB.prepare(
        `INSERT INTO trigger_deliveries (workflow_id, key, run_id, created_at) VALUES (?, ?, NULL, ?) ON CONFLICT DO NOTHING RETURNING key`,
      )
        .bind(workflowId, key, Date.now())
        .first();
      if (!claimed) {
        const seen = await c.env.DB.prepare(
          `SELECT run_id FROM trigger_deliveries WHERE workflow_id = ? AND key = ?`,
        )
          .bind(workflowId, key)
          .first<{ run_id: string | null }>();
        if (!seen?.run_id)
          throw new ApiError(
            409,
            "conflict",
            "a delivery with this Idempotency-Key is being processed",
          );
        return c.json({ runId: seen.run_id, deduplicated: true }, 200);
      }
    }
    try {
      const v = await loadVersion(c.env, row.tenant_id, workflowId);
      await admitRun(c, v.definition);
      const runId = await startRun(
        c.env,
        row.tenant_id,
        workflowId,
        v.version,
        v.definition,
        input,
      );
      if (key !== undefined) {
        await c.env.DB.prepare(
          `UPDATE trigger_deliveries SET run_id = ? WHERE workflow_id = ? AND key = ?`,
        )
          .bind(runId, workflowId, key)
          .run();
      }
      return c.json({ runId, deduplicated: false }, 202);
    } catch (err) {
      // Nothing started: free the key so the sender's retry can succeed.
      if (key !== undefined) {
        await c.env.DB.prepare(
          `DELETE FROM trigger_deliveries WHERE workflow_id = ? AND key = ? AND run_id IS NULL`,
        )
          .bind(workflowId, key)
          .run();
      }
      throw err;
    }
  })
  .onError(onError);
