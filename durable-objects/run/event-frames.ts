import type { StoredEvent } from "./store";

/** Longest `events` frame, in characters of JSON (one larger event goes alone). */
export const FRAME_MAX_CHARS = 65_536;

/** One `events` frame, serialised once and sent to every socket at the same place. */
export interface EventFrame {
  /** The frame's JSON without its closing brace: `close(frame, ack)` finishes it. */
  body: string;
  /** The seq of its first and last event. */
  first: number;
  last: number;
  /** Its length as sent without `ack`: what the socket's send buffer counts. */
  chars: number;
}

const HEAD = '{"type":"events","events":[';

/**
 * Cuts consecutive events into `events` frames of at most `maxChars` characters, each event
 * serialised once.
 */
export function eventFrames(events: StoredEvent[], maxChars = FRAME_MAX_CHARS): EventFrame[] {
  const frames: EventFrame[] = [];
  let parts: string[] = [];
  let chars = HEAD.length + 2;
  let first = 0;
  const cut = (last: number) => {
    const body = `${HEAD}${parts.join(",")}]`;
    frames.push({ body, first, last, chars: body.length + 1 });
  };
  let previous = 0;
  for (const event of events) {
    const json = JSON.stringify(event);
    if (parts.length > 0 && chars + json.length + 1 > maxChars) {
      cut(previous);
      parts = [];
      chars = HEAD.length + 2;
    }
    if (parts.length === 0) first = event.seq;
    parts.push(json);
    chars += json.length + 1;
    previous = event.seq;
  }
  if (parts.length > 0) cut(previous);
  return frames;
}

/** The frame's text; with `ack`, it asks the client to acknowledge its last seq. */
export function frameText(frame: EventFrame, ack: boolean): string {
  return ack ? `${frame.body},"ack":true}` : `${frame.body}}`;
}
