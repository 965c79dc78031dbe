import type { Context } from "hono";
import { forgetWaits, waitsFor } from "../../../db/event-waits";
import type { Delivered, EventDelivery } from "../../../durable-objects/run/event-waits";
import { runObject } from "../../../durable-objects/run/rpc";
import { ApiError, type ErrorCode } from "../errors";
import { runStub } from "../run-stub";
import type { EventSent, SendEvent } from "../schemas/event";
import type { AppEnv } from "../types";

/** Waits one event reaches at most (the oldest first); more wait for the next event. */
const MAX_EVENT_FANOUT = 1000;
/** Runs asked at once while an event fans out. */
const FANOUT_BATCH = 25;

const CODES: Record<Exclude<Delivered, { ok: true }>["code"], ErrorCode> = {
  not_found: "not_found",
  run_finished: "run_finished",
  not_waiting: "conflict",
  mailbox_full: "conflict",
  event_too_large: "payload_too_large",
};

/** The API's answer to an event a run refused (it took nothing). */
export function refusedEvent(result: Exclude<Delivered, { ok: true }>): ApiError {
  return new ApiError(result.status, CODES[result.code], result.message);
}

/**
 * An event for the wait nodes of the tenant's runs (docs/COMPOSITION.md), sent as the request's
 * key: without `runId`, every wait on its name (and key) takes it, the oldest first, up to
 * MAX_EVENT_FANOUT; with `runId`, that run only (404 for another tenant's), which keeps an event
 * it is not waiting for yet. A run takes an event in one transaction, so a refusal records
 * nothing. `POST /api/events` and the MCP server's `send_event` both call this.
 */
export async function sendEvent(c: Context<AppEnv>, body: SendEvent): Promise<EventSent> {
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
    if (!result.ok) throw refusedEvent(result);
    note(sent, body.runId, result);
    return sent;
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
      else if (result.code === "event_too_large") throw refusedEvent(result);
    }
  }
  return sent;
}

function note(sent: EventSent, runId: string, result: Extract<Delivered, { ok: true }>): void {
  if (result.outcome === "received") {
    sent.delivered.push({ runId, nodeId: result.nodeId, attempt: result.attempt });
  } else if (result.outcome === "kept") {
    sent.kept = true;
  } else {
    sent.duplicates.push(runId);
  }
}
