import { $, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { findWebhook } from "../../db/triggers";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyDelivery } from "../../platform/webhook-signing";
import { hashKey } from "./auth";
import { claimDelivery, releaseDelivery } from "./deliveries";
import { ApiError, onError } from "./errors";
import * as example from "./examples/triggers";
import { MAX_BODY_BYTES } from "./limits";
import { admitRun } from "./rate-limit";
import { publicRoute, routes } from "./route";
import { ErrorBody, errors, json } from "./schemas/error";
import { HookRun } from "./schemas/trigger";
import { checkRunInput, startRun } from "./services/start-run";
import { loadVersion } from "./services/workflows";
import { readJsonBody } from "./validation";

/**
 * `POST /hooks/:workflowId/:token`: starts a run with the JSON body as input. The token is the
 * credential (only its hash is stored); with signing on, an HMAC signature over the timestamp
 * and the raw body is too. An `Idempotency-Key` header makes repeats return the first run
 * instead of starting another. Checks run cheapest-first and refuse before anything is
 * recorded: size (413), token (404), signature (401), JSON limits (400), then the key and
 * admission (429).
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
    publicRoute(
      {
        method: "post",
        path: "/hooks/{workflowId}/{token}",
        operationId: "deliverWebhook",
        summary: "Start a run from a webhook (the token in the URL is the credential)",
        description:
          "The JSON body (or none) is the run's input, under the same limits as API bodies (1 MiB, 64 levels, 100,000-character strings). A wrong token and a workflow without a webhook both answer 404. When the trigger has signing on, `X-Aob-Timestamp` (Unix seconds, within 300 s of the server's clock) and `X-Aob-Signature: sha256=<hex of HMAC-SHA256(secret, <timestamp>.<raw body>)>` are required; a refused signature is 401 with the reason, and a signed delivery without an `Idempotency-Key` is deduplicated by its signature. Admitted like any run start (rate limits, `RateLimit-*` headers).",
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
            [TIMESTAMP_HEADER]: z.string().optional().openapi({
              description: "With signing on: when the delivery was signed, Unix seconds",
            }),
            [SIGNATURE_HEADER]: z.string().optional().openapi({
              description:
                "With signing on: `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<raw body>`",
            }),
          }),
          body: {
            required: false,
            // Not a zod schema on purpose: the handler reads the raw bytes itself (a signature
            // covers them exactly; none is a null input; any Content-Type is read as JSON).
            content: {
              "application/json": {
                schema: { description: "Any JSON value" },
                example: example.delivery,
              },
            },
          },
        },
        responses: {
          202: json(HookRun, "A run started (`deduplicated: false`)", example.hookStarted),
          200: json(
            HookRun,
            "A repeat of an earlier delivery: its run (`deduplicated: true`)",
            example.hookRepeated,
          ),
          401: {
            description:
              "Signing is on and the signature is missing, malformed, stale or wrong; the message says which",
            content: { "application/json": { schema: ErrorBody } },
          },
          ...errors(400, 404, 409, 413, 429),
        },
      },
      { rawBody: true },
    ),
    async (c) => {
      const workflowId = c.req.param("workflowId");
      const row = await findWebhook(c.env.DB, workflowId, await hashKey(c.req.param("token")));
      // Same answer for an unknown workflow and a wrong token: nothing to probe.
      if (!row) throw new ApiError(404, "not_found", "no webhook at this address");
      c.set("tenantId", row.tenantId);
      const headers = c.req.valid("header");
      const body = new Uint8Array(await c.req.arrayBuffer());
      const signature = headers[SIGNATURE_HEADER];
      if (row.signingSecret !== null) {
        const verdict = await verifyDelivery(
          c.env,
          row.signingSecret,
          row.tenantId,
          workflowId,
          { timestamp: headers[TIMESTAMP_HEADER], signature },
          body,
          Date.now(),
        );
        if (!verdict.ok) throw new ApiError(401, "unauthorized", verdict.reason);
      }
      const input = readJsonBody(body);
      // Keys live beside cron's (`cron:<minute>`) in one table: a prefix keeps them apart. A
      // signed delivery without a key is deduplicated by its signature, so a replay inside the
      // tolerance window answers the first run instead of starting another.
      const given = headers["idempotency-key"];
      const key =
        given !== undefined
          ? `hook:${given}`
          : row.signingSecret !== null && signature
            ? `sig:${signature.toLowerCase()}`
            : undefined;
      const v = await loadVersion(c.env, row.tenantId, workflowId);
      checkRunInput(v, input);
      let runId: string | undefined;
      if (key !== undefined) {
        const claim = await claimDelivery(c.env, workflowId, key, Date.now());
        if (claim.kind === "seen") return c.json({ runId: claim.runId, deduplicated: true }, 200);
        if (claim.kind === "busy") {
          c.header("Retry-After", String(claim.retryAfterSeconds));
          throw new ApiError(409, "conflict", "a delivery with this key is being processed");
        }
        runId = claim.runId;
      }
      try {
        await admitRun(c, v.definition);
        const started = await startRun(c.env, {
          trigger: "webhook",
          tenantId: row.tenantId,
          workflowId,
          version: v.version,
          definition: v.definition,
          input,
          ...(runId === undefined ? {} : { runId }),
        });
        return c.json({ runId: started.runId, deduplicated: false }, 202);
      } catch (err) {
        // Nothing started: free the key so the sender's retry can succeed.
        if (key !== undefined && runId !== undefined)
          await releaseDelivery(c.env, workflowId, key, runId);
        throw err;
      }
    },
  )
  .onError(onError);
