import { z } from "@hono/zod-openapi";
import { EventName, MAX_EVENT_KEY_LENGTH } from "../../../core/kinds/wait";

/** `POST /api/events`: an event for the runs waiting on it (docs/COMPOSITION.md). */
export const SendEvent = z
  .strictObject({
    name: EventName.openapi({ example: "order.paid" }),
    key: z.string().min(1).max(MAX_EVENT_KEY_LENGTH).optional().openapi({
      description:
        "Taken by waits whose `match` rendered this key, and by waits without a `match`. None: taken by every wait on the name.",
      example: "ord_42",
    }),
    runId: z.string().optional().openapi({
      description:
        "Only this run. An event it is not waiting for yet is kept until a wait on its name and key takes it.",
    }),
    data: z.unknown().optional().openapi({ description: "The wait node's output (none: null)." }),
    idempotencyKey: z.string().min(1).max(200).optional().openapi({
      description: "A run that took an event with this key takes no other with it.",
    }),
  })
  .openapi("SendEvent");
export type SendEvent = z.infer<typeof SendEvent>;

const Taken = z.object({
  runId: z.string(),
  nodeId: z.string(),
  attempt: z.number().int(),
});

/** What became of an event. */
export const EventSent = z
  .object({
    delivered: z.array(Taken).describe("The waits that took the event, each now `received`."),
    kept: z
      .boolean()
      .describe("Sent to one run that is not waiting for it yet: kept until a wait takes it."),
    duplicates: z
      .array(z.string())
      .describe("Runs that had taken an event with this `idempotencyKey`: nothing changed."),
  })
  .openapi("EventSent");
export type EventSent = z.infer<typeof EventSent>;

/** What a signed URL's event did. */
export const SignedEventSent = Taken.openapi("SignedEventSent");
