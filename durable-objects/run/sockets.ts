import { ClientFrame, type ServerFrame, WS_WINDOW } from "../../core/wire/frames";
import { type EventFrame, eventFrames, FRAME_MAX_CHARS, frameText } from "./event-frames";
import type { StoredEvent } from "./store";

/** Who opened a socket: the key it was authenticated with, and its session's end, if any. */
export interface SocketOwner {
  keyId: string;
  /** When the session cookie that opened it expires (null for a bearer key). */
  expiresAt: number | null;
}

/** Kept in each socket's attachment, so a subscription survives hibernation. */
interface Subscription extends Partial<SocketOwner> {
  /** Names the socket's in-memory flow state (`Sockets.flows`). */
  id?: string;
  /** The seq of the last event this socket was sent. */
  sent: number;
  /** Characters of `events` frames sent and not acknowledged. */
  unacked?: number;
  /** The socket's send buffer (`hello.window`). */
  window?: number;
}

/** A socket's flow control while the object is awake: its unacknowledged frames. */
interface Flow {
  sub: Subscription & { id: string; unacked: number; window: number };
  inFlight: { last: number; chars: number }[];
}

/** The run's event log, read to send a backlog and to catch up a socket that fell behind. */
export type ReadEvents = (after: number, limit: number) => StoredEvent[];

/** Close code for a socket whose credential no longer holds (revoked key, expired session). */
export const CLOSE_UNAUTHORIZED = 4401;
/** Close code: the run was deleted. */
export const CLOSE_DELETED = 4404;

/** The tag a socket carries for its key, so revocation finds it (`getWebSockets(tag)`). */
const keyTag = (keyId: string) => `key:${keyId}`;

/**
 * The extensions the upgrade agrees to: none. permessage-deflate runs on the object's one
 * thread, once per socket and frame: with 100 clients it made a burst 3-5× slower to arrive
 * and the run itself 4× slower, to save bytes that are cheap (docs/BENCHMARKS.md, "Session 6: live
 * view"). A 101 that names an extension the runtime does not know agrees to none, and the
 * header is not sent on to the client (workerd's manual compression mode; checked with `ws`
 * and curl through `wrangler dev`, and by the bench, which reports what was negotiated).
 */
const NO_COMPRESSION = "x-aob-uncompressed";

/** Events read from SQLite at a time, for a backlog or a catch-up. */
const LOG_PAGE = 1000;

/**
 * Live subscribers of a run over hibernatable WebSockets. Sends are synchronous and guarded: a
 * closed or failing socket is dropped and never blocks the run.
 *
 * Events are sent in `events` frames: what the engine appends in one turn of the event loop
 * (a pump stretch between yields) goes out as one frame to each socket, serialised once.
 * Each socket has a send buffer (`window`): while under half of it is unacknowledged, frames
 * go out; past that the socket is sent nothing (its events stay in the log) until it acks,
 * and then it is caught up from the log. So one slow client costs the object at most its
 * window, and never holds the others back.
 */
export class Sockets {
  private readonly flows = new Map<string, Flow>();
  private pending: StoredEvent[] = [];
  private flushing: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly read: ReadEvents,
  ) {}

  /**
   * Accepts a subscriber: sends `hello`, the stored events after `after` (as far as its window
   * allows), then registers it for live events. Nothing awaits in between, so no event can
   * fall in a gap.
   */
  subscribe(
    after: number,
    owner: SocketOwner,
    hello: Omit<Extract<ServerFrame, { type: "hello" }>, "window">,
    window: number,
  ): Response {
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [keyTag(owner.keyId)]);
    const id = crypto.randomUUID();
    const flow: Flow = { sub: { id, sent: after, unacked: 0, window, ...owner }, inFlight: [] };
    this.flows.set(id, flow);
    send(server, { ...hello, window });
    this.catchUp(server, flow);
    server.serializeAttachment(flow.sub);
    return new Response(null, {
      status: 101,
      webSocket: client,
      headers: { "sec-websocket-extensions": NO_COMPRESSION },
    });
  }

  /**
   * Newly stored events, for every subscriber that has not seen them. They are sent when the
   * current turn of the event loop ends, together with the rest of that turn's events.
   */
  broadcast(events: StoredEvent[]): void {
    if (events.length === 0) return;
    this.pending.push(...events);
    this.flushing ??= setTimeout(() => this.flush(), 0);
  }

  /** Sends the events broadcast since the last flush, one frame per socket where possible. */
  flush(): void {
    if (this.flushing) clearTimeout(this.flushing);
    this.flushing = null;
    const events = this.pending;
    this.pending = [];
    if (events.length === 0) return;
    const first = events[0]!.seq;
    const last = events[events.length - 1]!.seq;
    // Events of a turn are consecutive; should they not be, the log is the truth.
    const consecutive = last - first + 1 === events.length;
    // Frames by (first seq, largest frame): shared by every socket at the same place.
    const cache = new Map<string, EventFrame[]>();
    const framesFrom = (from: number, maxChars: number) => {
      const key = `${from}:${maxChars}`;
      let frames = cache.get(key);
      if (!frames) {
        frames = eventFrames(events.slice(from - first), maxChars);
        cache.set(key, frames);
      }
      return frames;
    };
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) {
      const flow = this.flow(ws);
      if (!flow || expired(ws, flow.sub)) continue;
      const { sent } = flow.sub;
      if (sent >= last) continue;
      if (sent < first - 1 || !consecutive) {
        // Behind (it was paused): what it misses is in the log.
        this.catchUp(ws, flow);
      } else {
        for (const frame of framesFrom(sent + 1, maxFrame(flow))) {
          if (!this.sendFrame(ws, flow, frame)) break;
        }
      }
      ws.serializeAttachment(flow.sub);
    }
    if (this.flows.size > sockets.length) this.forgetClosed(sockets);
  }

  /** An ephemeral frame (agent token deltas) to every subscriber with room; not stored. */
  send(frame: Extract<ServerFrame, { type: "delta" }>): void {
    // The events before it go first, so a client sees them in the order they happened.
    this.flush();
    for (const ws of this.ctx.getWebSockets()) {
      const flow = this.flow(ws);
      if (flow && hasRoom(flow)) send(ws, frame);
    }
  }

  /** Closes every socket opened with `keyId` (its key was revoked); returns how many. */
  closeKey(keyId: string, reason: string): number {
    const sockets = this.ctx.getWebSockets(keyTag(keyId));
    for (const ws of sockets) shut(ws, CLOSE_UNAUTHORIZED, reason);
    return sockets.length;
  }

  /** Closes every socket (the run was deleted: code 4404); returns how many. */
  closeAll(reason: string): number {
    const sockets = this.ctx.getWebSockets();
    for (const ws of sockets) shut(ws, CLOSE_DELETED, reason);
    return sockets.length;
  }

  /** The key a socket was opened with (null for one accepted before sockets had owners). */
  ownerOf(ws: WebSocket): string | null {
    return (ws.deserializeAttachment() as Subscription | null)?.keyId ?? null;
  }

  message(ws: WebSocket, raw: string | ArrayBuffer): void {
    const flow = this.flow(ws);
    if (!flow || expired(ws, flow.sub)) return;
    let frame: ClientFrame;
    try {
      frame = ClientFrame.parse(
        JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw)),
      );
    } catch {
      send(ws, {
        type: "error",
        code: "bad_frame",
        message: 'expected {"type":"ping"} or {"type":"ack","seq":N}',
      });
      return;
    }
    switch (frame.type) {
      case "ping":
        send(ws, { type: "pong" });
        return;
      case "ack":
        this.ack(ws, flow, frame.seq);
        return;
    }
  }

  close(ws: WebSocket, code: number, reason: string): void {
    const id = (ws.deserializeAttachment() as Subscription | null)?.id;
    if (id) this.flows.delete(id);
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }

  /** The client holds every event up to `seq`: its frames leave the buffer; catch it up. */
  private ack(ws: WebSocket, flow: Flow, seq: number): void {
    if (seq > flow.sub.sent) {
      send(ws, {
        type: "error",
        code: "bad_ack",
        message: `ack of seq ${seq}, but the last seq sent is ${flow.sub.sent}`,
      });
      return;
    }
    while (flow.inFlight.length > 0 && flow.inFlight[0]!.last <= seq) {
      flow.sub.unacked -= flow.inFlight.shift()!.chars;
    }
    this.catchUp(ws, flow);
    ws.serializeAttachment(flow.sub);
  }

  /** Sends stored events after the socket's last, page by page, while its window has room. */
  private catchUp(ws: WebSocket, flow: Flow): void {
    while (hasRoom(flow)) {
      const page = this.read(flow.sub.sent, LOG_PAGE);
      for (const frame of eventFrames(page, maxFrame(flow))) {
        if (!this.sendFrame(ws, flow, frame)) return;
      }
      if (page.length < LOG_PAGE) return;
    }
  }

  /**
   * Sends one frame if the window has room; it asks for an ack once a quarter of the window is
   * unacknowledged, so a client that acks on arrival is never paused. False: not sent.
   */
  private sendFrame(ws: WebSocket, flow: Flow, frame: EventFrame): boolean {
    if (!hasRoom(flow)) return false;
    const { sub } = flow;
    const ack = sub.unacked + frame.chars >= sub.window / 4;
    try {
      ws.send(frameText(frame, ack));
    } catch {
      return false;
    }
    sub.sent = frame.last;
    sub.unacked += frame.chars;
    flow.inFlight.push({ last: frame.last, chars: frame.chars });
    return true;
  }

  /**
   * The socket's flow state; after hibernation it is rebuilt from the attachment, its
   * unacknowledged frames counted as one (released by an ack of the last seq sent).
   */
  private flow(ws: WebSocket): Flow | null {
    const sub = ws.deserializeAttachment() as Subscription | null;
    if (!sub) return null;
    const known = sub.id ? this.flows.get(sub.id) : undefined;
    if (known) return known;
    const id = sub.id ?? crypto.randomUUID();
    const unacked = sub.unacked ?? 0;
    const flow: Flow = {
      sub: { ...sub, id, unacked, window: sub.window ?? WS_WINDOW },
      inFlight: unacked > 0 ? [{ last: sub.sent, chars: unacked }] : [],
    };
    this.flows.set(id, flow);
    return flow;
  }

  private forgetClosed(sockets: WebSocket[]): void {
    const open = new Set(
      sockets.map((ws) => (ws.deserializeAttachment() as Subscription | null)?.id),
    );
    for (const id of this.flows.keys()) if (!open.has(id)) this.flows.delete(id);
  }
}

const hasRoom = (flow: Flow) => flow.sub.unacked < flow.sub.window / 2;
const maxFrame = (flow: Flow) => Math.min(FRAME_MAX_CHARS, Math.floor(flow.sub.window / 2));

/**
 * Closes a socket whose session has expired (checked on its pings, every 25 s from the UI, and
 * before each broadcast), so a session's sockets end with it.
 */
function expired(ws: WebSocket, subscription: Subscription): boolean {
  if (subscription.expiresAt == null || Date.now() < subscription.expiresAt) return false;
  shut(ws, CLOSE_UNAUTHORIZED, "session expired");
  return true;
}

function shut(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // already closed
  }
}

function send(ws: WebSocket, frame: ServerFrame): boolean {
  try {
    ws.send(JSON.stringify(frame));
    return true;
  } catch {
    return false;
  }
}
