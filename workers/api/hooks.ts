import { $, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { hashKey } from "./auth";
import { ApiError, onError } from "./errors";
import { MAX_BODY_BYTES } from "./limits";
import { admitRun } from "./rate-limit";
import { publicRoute, routes } from "./route";
import { startRun } from "./routes/start-run";
import { loadVersion } from "./routes/workflows";
import { errors, json } from "./schemas/error";
import { HookRun } from "./schemas/trigger";

/**
 * `POST /hooks/:workflowId/:token`: starts a run with the JSON body as input. The token is the
 * credential (only its hash is stored). An `Idempotency-Key` header makes repeats return the
 * first run instead of starting another.
 */
export const hooks = $(
  routes().use(
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
  ),
)
  .openapi(
    publicRoute({
      method: "post",
      path: "/hooks/{workflowId}/{token}",
      summary: "Start a run from a webhook (the token in the URL is the credential)",
      description:
        "The JSON body (or none) is the run's input. A wrong token and a workflow without a webhook both answer 404.",
      tags: ["triggers"],
      request: {
        params: z.object({ workflowId: z.string(), token: z.string() }),
        headers: z.object({
          "idempotency-key": z
            .string()
            .min(1, "must be 1-200 characters")
            .max(200, "must be 1-200 characters")
            .optional()
            .openapi({ description: "Repeats with the same key answer the first run" }),
        }),
        body: {
          required: false,
          // Not a zod schema on purpose: the handler reads the body itself (none is a null
          // input, any Content-Type is read as JSON), so no route validator may take it first.
          content: { "application/json": { schema: { description: "Any JSON value" } } },
        },
      },
      responses: {
        202: json(HookRun, "A run started (`deduplicated: false`)"),
        200: json(HookRun, "A repeat of an earlier delivery: its run (`deduplicated: true`)"),
        ...errors(400, 404, 409, 413, 429),
      },
    }),
    async (c) => {
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
      const key = c.req.valid("header")["idempotency-key"];
      if (key !== undefined) {
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
    },
  )
  .onError(onError);
