import { z } from "@hono/zod-openapi";
import { Cron } from "croner";
import {
  describeScheduledInputIssues,
  scheduledInputIssues,
} from "../../../core/workflow/scheduled-input";
import { findTriggers, putTriggers, type TriggerSettings } from "../../../db/triggers";
import { newSigningSecret, sealSigningSecret } from "../../../platform/webhook-signing";
import { audit } from "../audit";
import { hashKey } from "../auth";
import { ApiError } from "../errors";
import * as example from "../examples/triggers";
import { apiRoute, routes } from "../route";
import { errors, json, jsonBody } from "../schemas/error";
import { IdParam } from "../schemas/params";
import { TriggerBody, Triggers } from "../schemas/trigger";
import { loadVersion } from "../services/workflows";

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

const Id = z.object({ id: IdParam });

function refuse(field: string, message: string): ApiError {
  return new ApiError(400, "validation_failed", `${field}: ${message}`, {
    errors: [{ path: [field], at: field, code: "invalid_trigger", message }],
  });
}

/**
 * The signing secret after a change: kept, issued (returned once, stored sealed) or removed.
 * Signing belongs to the webhook: removing the webhook removes it.
 */
async function signingChange(
  env: Env,
  change: {
    tenantId: string;
    workflowId: string;
    body: TriggerBody;
    webhookHash: string | null;
    current: TriggerSettings | undefined;
  },
): Promise<{ sealed: string | null; issued?: string }> {
  const { tenantId, workflowId, body, webhookHash, current } = change;
  if (body.signature === false && body.rotateSigningSecret) {
    throw refuse("rotateSigningSecret", "cannot rotate a signing secret while turning signing off");
  }
  const wanted = body.signature === true || body.rotateSigningSecret === true;
  if (wanted && webhookHash === null) {
    throw refuse(
      body.signature === true ? "signature" : "rotateSigningSecret",
      "signing needs a webhook: send webhook: true too",
    );
  }
  const kept = current?.signingSecret ?? null;
  if (webhookHash === null || body.signature === false) return { sealed: null };
  if ((body.signature === true && kept === null) || body.rotateSigningSecret) {
    const issued = newSigningSecret();
    return { sealed: await sealSigningSecret(env, tenantId, workflowId, issued), issued };
  }
  return { sealed: kept };
}
const tags = ["triggers"];

/** A workflow's triggers. The webhook URL (with its token) is shown only when a token is issued. */
export const triggerRoutes = routes()
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/workflows/{id}/triggers",
      operationId: "getTriggers",
      summary: "A workflow's webhook and cron schedule",
      tags,
      request: { params: Id },
      responses: { 200: json(Triggers, "The triggers", example.triggers), ...errors(404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      await loadVersion(c.env, c.get("tenantId"), id);
      const row = await findTriggers(c.env.DB, id);
      return c.json(
        {
          workflowId: id,
          webhook: Boolean(row?.webhookTokenHash),
          cron: row?.cron ?? null,
          signature: Boolean(row?.signingSecret),
        },
        200,
      );
    },
  )
  .openapi(
    apiRoute("edit", {
      method: "put",
      path: "/workflows/{id}/triggers",
      operationId: "setTriggers",
      summary: "Change a workflow's webhook or cron schedule",
      description:
        "`webhookUrl`, with its secret token, is in the answer only when this call issued a token, and `signingSecret` only when this call issued one: keep them, they are not shown again.",
      tags,
      request: {
        params: Id,
        body: jsonBody(TriggerBody, example.setTriggers),
      },
      responses: {
        200: json(Triggers, "The triggers, with what this call issued", example.issued),
        ...errors(400, 404, 413),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const latest = await loadVersion(c.env, c.get("tenantId"), id);
      if (body.cron) {
        const problem = checkCron(body.cron);
        if (problem) {
          throw new ApiError(400, "validation_failed", `cron: ${problem}`, {
            errors: [{ path: ["cron"], at: "cron", code: "invalid_cron", message: problem }],
          });
        }
        const refused = scheduledInputIssues(latest.definition);
        if (refused.length > 0) {
          const message = describeScheduledInputIssues(refused);
          throw new ApiError(400, "validation_failed", `cron: ${message}`, {
            errors: [{ path: ["cron"], at: "cron", code: "invalid_input", message }],
          });
        }
      }
      const current = await findTriggers(c.env.DB, id);
      let token: string | null = null;
      let hash = current?.webhookTokenHash ?? null;
      if (body.webhook === false) hash = null;
      else if ((body.webhook && !hash) || body.rotateToken) {
        token = newToken();
        hash = await hashKey(token);
      }
      const signing = await signingChange(c.env, {
        tenantId: c.get("tenantId"),
        workflowId: id,
        body,
        webhookHash: hash,
        current,
      });
      const cron = body.cron === undefined ? (current?.cron ?? null) : body.cron;
      await putTriggers(c.env.DB, {
        workflowId: id,
        tenantId: c.get("tenantId"),
        webhookTokenHash: hash,
        cron,
        signingSecret: signing.sealed,
        now: Date.now(),
      });
      await audit(
        c,
        "trigger.update",
        { type: "workflow", id },
        {
          webhook: hash !== null,
          cron,
          signature: signing.sealed !== null,
          tokenIssued: token !== null,
        },
      );
      const origin = new URL(c.req.url).origin;
      return c.json(
        {
          workflowId: id,
          webhook: hash !== null,
          cron,
          signature: signing.sealed !== null,
          ...(token ? { webhookUrl: `${origin}/hooks/${id}/${token}` } : {}),
          ...(signing.issued ? { signingSecret: signing.issued } : {}),
        },
        200,
      );
    },
  );
