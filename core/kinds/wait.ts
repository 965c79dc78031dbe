import { z } from "zod";
import { COST_MS } from "./cost";
import { defineKind, NO_RETRY } from "./kind";

/**
 * Waits for an event from outside the run (docs/COMPOSITION.md): `POST /api/events` with its
 * name (and key, when the wait has a `match`), or the wait's single-use signed URL. The event's
 * `data` is the node's output on port `received`; without one before `timeoutSeconds`, the
 * node takes `timeout` with output null.
 */
/** An event's name, as a wait names it and `POST /api/events` sends it. */
export const EventName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, "letters, digits and . _ : / - only");

/** The longest key a wait or an event may have, after rendering. */
export const MAX_EVENT_KEY_LENGTH = 500;

export const WaitConfig = z.strictObject({
  /** The event's name, as `POST /api/events` sends it. */
  event: EventName,
  /**
   * The key an event must carry to be taken (a `{{ template }}`, e.g. `{{ input.orderId }}`).
   * None: any event of this name is taken.
   */
  match: z.string().min(1).max(1000).optional(),
  /** Without an event after this long, the node takes `timeout`. None: waits until the run ends. */
  timeoutSeconds: z.number().int().min(1).max(31_536_000).optional(),
});
export type WaitConfig = z.infer<typeof WaitConfig>;

export const wait = defineKind({
  type: "wait",
  title: "Wait for event",
  description:
    "Waits, without CPU, for an event sent to the run (POST /api/events or a signed URL); ports received and timeout.",
  status: "active",
  execution: "wait",
  config: WaitConfig,
  ports: () => ["received", "timeout"],
  expressions: () => [],
  defaults: { retry: NO_RETRY, timeoutMs: 10_000 },
  traits: {
    wait: { for: "event" },
    costMs: () => COST_MS.approval,
  },
});
