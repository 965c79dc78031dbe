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

/** The send buffer a socket gets unless it asks for less (`?window=`), in characters of JSON. */
export const WS_WINDOW = 1_048_576;
/** The smallest send buffer a client may ask for. */
export const WS_MIN_WINDOW = 1024;

/**
 * Frames the server sends on `GET /api/runs/:id/ws`; shared by web/ and cli/. First `hello`,
 * then `events` frames: each carries the events of one engine turn (or one page of the backlog),
 * consecutive and ascending, the first one seq above the previous frame's last, starting after
 * `after`. Flow control (docs/API.md): the server keeps under `window / 2` characters of
 * `events` frames unacknowledged per socket; a frame with `ack: true` asks the client to answer
 * `{"type":"ack","seq":<its last seq>}`. A client that does not is sent nothing more (no event
 * is lost: they are in the log) until it acks, then it is caught up from the log.
 */
export const ServerFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("hello"),
    runId: z.string(),
    /** The seq of the newest event when the subscription started. */
    lastSeq: z.number().int(),
    status: z.enum(RUN_STATUSES),
    /** This socket's send buffer, in characters of `events` frames (see above). */
    window: z.number().int(),
  }),
  z.object({
    type: z.literal("events"),
    events: z.array(RunEvent).min(1),
    /** Answer with `{"type":"ack","seq":<the last event's seq>}`. */
    ack: z.literal(true).optional(),
  }),
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

/** What a client may send: a keep-alive, and the acknowledgement an `events` frame asked for. */
export const ClientFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ping") }),
  z.object({ type: z.literal("ack"), seq: z.number().int().min(0) }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/**
 * The acknowledgement a frame asks for, or null: what every client sends back on arrival.
 * @example
 * const ack = ackFor(frame);
 * if (ack) socket.send(JSON.stringify(ack));
 */
export function ackFor(frame: ServerFrame): ClientFrame | null {
  if (frame.type !== "events" || !frame.ack) return null;
  return { type: "ack", seq: frame.events[frame.events.length - 1]!.seq };
}
