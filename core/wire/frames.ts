import { z } from "zod";
import { RUN_EVENT_TYPES } from "../scheduler/commands";
import { RUN_STATUSES } from "../scheduler/state";

/** A run event as stored and sent: gapless `seq` per run. */
export const RunEvent = z.object({
  seq: z.number().int(),
  type: z.enum(RUN_EVENT_TYPES),
  at: z.number(),
  nodeId: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type RunEvent = z.infer<typeof RunEvent>;

/**
 * Frames the server sends on `GET /api/runs/:id/ws`. First `hello`, then every event with
 * seq > `after` in order, then live events as they are appended; shared by web/ and cli/.
 */
export const ServerFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("hello"),
    runId: z.string(),
    /** The seq of the newest event when the subscription started. */
    lastSeq: z.number().int(),
    status: z.enum(RUN_STATUSES),
  }),
  z.object({ type: z.literal("event"), event: RunEvent }),
  /** Token deltas of a running agent: live only, never stored or replayed. */
  z.object({
    type: z.literal("delta"),
    nodeId: z.string(),
    attempt: z.number().int(),
    text: z.string(),
  }),
  z.object({ type: z.literal("pong") }),
  z.object({ type: z.literal("error"), code: z.string(), message: z.string() }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;

/** What a client may send. */
export const ClientFrame = z.discriminatedUnion("type", [z.object({ type: z.literal("ping") })]);
export type ClientFrame = z.infer<typeof ClientFrame>;
