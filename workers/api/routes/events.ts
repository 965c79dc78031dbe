import { z } from "@hono/zod-openapi";
import { runObject } from "../../../durable-objects/run/rpc";
import { verifyWaitUrl } from "../../../platform/wait-urls";
import { ApiError } from "../errors";
import * as example from "../examples/events";
import { apiRoute, publicRoute, routes } from "../route";
import { errors, json, jsonBody } from "../schemas/error";
import { EventSent, SendEvent, SignedEventSent } from "../schemas/event";
import { refusedEvent, sendEvent } from "../services/event-send";
import { readJsonBody } from "../validation";

/**
 * Events for runs' wait nodes (docs/COMPOSITION.md): `POST /api/events` (scope `run`) to the
 * runs of the tenant waiting on a name and key, or to one run; `POST /api/events/signed/{token}`
 * to the one wait a signed URL names, without an API key. A run takes an event in one
 * transaction, so a refusal records nothing.
 */

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
  async (c) => c.json(await sendEvent(c, c.req.valid("json")), 200),
);

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
    if (!result.ok) throw refusedEvent(result);
    if (result.outcome !== "received") {
      throw new ApiError(409, "conflict", `node "${nodeId}" already took an event`);
    }
    return c.json({ runId, nodeId, attempt }, 200);
  },
);
