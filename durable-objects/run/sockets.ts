import { ClientFrame, type ServerFrame } from "../../core/wire/frames";
import type { StoredEvent } from "./store";

/** Who opened a socket: the key it was authenticated with, and its session's end, if any. */
export interface SocketOwner {
  keyId: string;
  /** When the session cookie that opened it expires (null for a bearer key). */
  expiresAt: number | null;
}

/** Kept in each socket's attachment, so a subscription survives hibernation. */
interface Subscription extends Partial<SocketOwner> {
  /** The seq of the last event this socket was sent. */
  sent: number;
}

/** Close code for a socket whose credential no longer holds (revoked key, expired session). */
export const CLOSE_UNAUTHORIZED = 4401;

/** The tag a socket carries for its key, so revocation finds it (`getWebSockets(tag)`). */
const keyTag = (keyId: string) => `key:${keyId}`;

/** Backlog pages read from SQLite when a client subscribes. */
const BACKLOG_PAGE = 1000;

/**
 * Live subscribers of a run over hibernatable WebSockets. Sends are synchronous and guarded: a
 * closed or failing socket is dropped and never blocks the run.
 */
export class Sockets {
  constructor(private readonly ctx: DurableObjectState) {}

  /**
   * Accepts a subscriber: sends `hello`, every stored event after `after`, then registers it for
   * live events. Nothing awaits in between, so no event can fall in a gap.
   */
  subscribe(
    after: number,
    owner: SocketOwner,
    hello: Extract<ServerFrame, { type: "hello" }>,
    read: (after: number, limit: number) => StoredEvent[],
  ): Response {
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [keyTag(owner.keyId)]);
    const subscription: Subscription = { sent: after, ...owner };
    send(server, hello);
    for (;;) {
      const page = read(subscription.sent, BACKLOG_PAGE);
      for (const event of page) {
        if (!send(server, { type: "event", event })) break;
        subscription.sent = event.seq;
      }
      if (page.length < BACKLOG_PAGE) break;
    }
    server.serializeAttachment(subscription);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Sends newly stored events to every subscriber that has not seen them. */
  broadcast(events: StoredEvent[]): void {
    if (events.length === 0) return;
    for (const ws of this.ctx.getWebSockets()) {
      const subscription = (ws.deserializeAttachment() as Subscription | null) ?? { sent: 0 };
      if (expired(ws, subscription)) continue;
      let sent = subscription.sent;
      for (const event of events) {
        if (event.seq <= sent) continue;
        if (!send(ws, { type: "event", event })) break;
        sent = event.seq;
      }
      if (sent !== subscription.sent) ws.serializeAttachment({ sent });
    }
  }

  /** An ephemeral frame (agent token deltas) to every subscriber; not stored, not replayed. */
  send(frame: Extract<ServerFrame, { type: "delta" }>): void {
    for (const ws of this.ctx.getWebSockets()) send(ws, frame);
  }

  /** Closes every socket opened with `keyId` (its key was revoked); returns how many. */
  closeKey(keyId: string, reason: string): number {
    const sockets = this.ctx.getWebSockets(keyTag(keyId));
    for (const ws of sockets) shut(ws, CLOSE_UNAUTHORIZED, reason);
    return sockets.length;
  }

  /** The key a socket was opened with (null for one accepted before sockets had owners). */
  ownerOf(ws: WebSocket): string | null {
    return (ws.deserializeAttachment() as Subscription | null)?.keyId ?? null;
  }

  message(ws: WebSocket, raw: string | ArrayBuffer): void {
    if (expired(ws, (ws.deserializeAttachment() as Subscription | null) ?? { sent: 0 })) return;
    let frame: ClientFrame;
    try {
      frame = ClientFrame.parse(
        JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw)),
      );
    } catch {
      send(ws, { type: "error", code: "bad_frame", message: 'expected {"type":"ping"}' });
      return;
    }
    switch (frame.type) {
      case "ping":
        send(ws, { type: "pong" });
        return;
    }
  }

  close(ws: WebSocket, code: number, reason: string): void {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
  }
}

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
