import { z } from "@hono/zod-openapi";
import { forgetWaits, waitsFor } from "../../../db/event-waits";
import type { Delivered, EventDelivery } from "../../../durable-objects/run/event-waits";
import { runObject } from "../../../durable-objects/run/rpc";
import { verifyWaitUrl } from "../../../platform/wait-urls";
import { ApiError, type ErrorCode } from "../errors";
import * as example from "../examples/events";
import { apiRoute, publicRoute, routes } from "../route";
import { runStub } from "../run-stub";
import { errors, json, jsonBody } from "../schemas/error";
import { EventSent, SendEvent, SignedEventSent } from "../schemas/event";
import { readJsonBody } from "../validation";

/**
 * Events for runs' wait nodes (docs/COMPOSITION.md): `POST /api/events` (scope `run`) to the
 * runs of the tenant waiting on a name and key, or to one run; `POST /api/events/signed/{token}`
 * to the one wait a signed URL names, without an API key. A run takes an event in one
 * transaction, so a refusal records nothing.
 */

/** Waits one event reaches at most (the oldest first); more wait for the next event. */
export const MAX_EVENT_FANOUT = 1000;
/** Runs asked at once while an event fans out. */
const FANOUT_BATCH = 25;

const CODES: Record<Exclude<Delivered, { ok: true }>["code"], ErrorCode> = {
  not_found: "not_found",
  run_finished: "run_finished",
  not_waiting: "conflict",
  mailbox_full: "conflict",
  event_too_large: "payload_too_large",
};

function refused(result: Exclude<Delivered, { ok: true }>): ApiError {
  return new ApiError(result.status, CODES[result.code], result.message);
}

export const eventRoutes = routes().openapi(
  apiRoute("run", {
    method: "post",
    path: "/events",
    operationId: "sendEvent",
    summary: "Send an event to the runs waiting for it",
    description:
      "Without `runId`: every wait node of the tenant's runs waiting on `name` (and on `key`, for a wait with a `match`) takes it, the oldest first, up to 1,000 (none waiting is not an error: `delivered` is empty). With `runId`: that run only; an event it is not waiting for yet is kept (`kept: true`, up to 100 per run) and taken when a wait on its name and key opens. `data` becomes the wait node's output on port `received`.",
    tags: ["runs"],
    request: {
      body: jsonBody(SendEvent, example.sendEvent),
    },
    responses: {
      200: json(EventSent, "Where the event went", example.eventSent),
      ...errors(400, 404, 409, 413),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const tenantId = c.get("tenantId");
    const event = {
      name: body.name,
      key: body.key ?? null,
      data: body.data ?? null,
      by: c.get("keyName"),
      ...(body.idempotencyKey === undefined ? {} : { idempotencyKey: body.idempotencyKey }),
    };
    const sent: EventSent = { delivered: [], kept: false, duplicates: [] };
    if (body.runId !== undefined) {
      const stub = await runStub(c.env, tenantId, body.runId);
      const result = await stub.deliverEvent({ ...event, keep: true });
      if (!result.ok) throw refused(result);
      note(sent, body.runId, result);
      return c.json(sent, 200);
    }
    const waits = await waitsFor(
      c.env.DB,
      { tenantId, name: body.name, key: event.key },
      Date.now(),
      MAX_EVENT_FANOUT,
    );
    for (let i = 0; i < waits.length; i += FANOUT_BATCH) {
      const batch = waits.slice(i, i + FANOUT_BATCH);
      const results = await Promise.all(
        batch.map(async (w) => {
          const delivery: EventDelivery = {
            ...event,
            wait: { nodeId: w.nodeId, attempt: w.attempt },
            keep: false,
          };
          const result = await runObject(c.env, w.runId).deliverEvent(delivery);
          // A run that ended (or was deleted) has no more waits: its rows go now.
          if (!result.ok && (result.code === "run_finished" || result.code === "not_found")) {
            await forgetWaits(c.env.DB, w.runId);
          }
          return [w.runId, result] as const;
        }),
      );
      for (const [runId, result] of results) {
        // One run's refusal (its wait ended meanwhile) does not stop the others'.
        if (result.ok) note(sent, runId, result);
        else if (result.code === "event_too_large") throw refused(result);
      }
    }
    return c.json(sent, 200);
  },
);

function note(sent: EventSent, runId: string, result: Extract<Delivered, { ok: true }>): void {
  if (result.outcome === "received") {
    sent.delivered.push({ runId, nodeId: result.nodeId, attempt: result.attempt });
  } else if (result.outcome === "kept") {
    sent.kept = true;
  } else {
    sent.duplicates.push(runId);
  }
}

/** The signed URL a wait emits: its token is the credential, so it is outside authentication. */
export const signedEventRoutes = routes().openapi(
  publicRoute(
    {
      method: "post",
      path: "/events/signed/{token}",
      operationId: "sendSignedEvent",
      summary: "Complete one wait through its signed URL (no API key)",
      description:
        "The URL is in the wait's `node_waiting` event (`data.url`). The JSON body (or none: null) is the wait node's output on port `received`. Single-use: once the wait took an event, the URL answers 409. A URL not signed by this aob answers 403; one past its expiry (the wait's timeout, or 30 days) 410.",
      tags: ["runs"],
      request: {
        params: z.object({ token: z.string() }),
        body: {
          required: false,
          content: {
            "application/json": {
              schema: { description: "Any JSON value" },
              example: example.signedEvent,
            },
          },
        },
      },
      responses: {
        200: json(SignedEventSent, "The wait took the event", example.signedEventSent),
        ...errors(400, 403, 404, 409, 410, 413),
      },
    },
    { rawBody: true },
  ),
  async (c) => {
    const verdict = await verifyWaitUrl(c.env, c.req.param("token"), Date.now());
    if (!verdict.ok) {
      throw new ApiError(
        verdict.status,
        verdict.status === 410 ? "expired" : "forbidden",
        verdict.message,
      );
    }
    const { runId, nodeId, attempt } = verdict.claim;
    const data = readJsonBody(new Uint8Array(await c.req.arrayBuffer()));
    const result = await runObject(c.env, runId).deliverEvent({
      name: null,
      key: null,
      data,
      by: "signed-url",
      wait: { nodeId, attempt },
      keep: false,
    });
    if (!result.ok) throw refused(result);
    if (result.outcome !== "received") {
      throw new ApiError(409, "conflict", `node "${nodeId}" already took an event`);
    }
    return c.json({ runId, nodeId, attempt }, 200);
  },
);
