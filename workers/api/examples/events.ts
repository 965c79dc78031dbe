import type { z } from "@hono/zod-openapi";
import type { EventSent, SendEvent, SignedEventSent } from "../schemas/event";
import { RUN_ID } from "./ids";

type Out<T extends z.ZodType> = z.output<T>;

export const sendEvent: z.input<typeof SendEvent> = {
  name: "order.paid",
  key: "ord_42",
  data: { amount: 129.9, currency: "EUR" },
  idempotencyKey: "pay_7f3a",
};

export const eventSent: Out<typeof EventSent> = {
  delivered: [{ runId: RUN_ID, nodeId: "paid", attempt: 1 }],
  kept: false,
  duplicates: [],
};

/** The body of a signed URL's POST: the wait node's output. */
export const signedEvent = { amount: 129.9, currency: "EUR" };

export const signedEventSent: Out<typeof SignedEventSent> = {
  runId: RUN_ID,
  nodeId: "paid",
  attempt: 1,
};
