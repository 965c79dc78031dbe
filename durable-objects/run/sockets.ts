import { ClientFrame, type ServerFrame } from "../../core/wire/frames";
import type { StoredEvent } from "./store";

/** Kept in each socket's attachment, so a subscription survives hibernation. */
interface Subscription {
  /** The seq of the last event this socket was sent. */
  sent: number;
}

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
    hello: Extract<ServerFrame, { type: "hello" }>,
    read: (after: number, limit: number) => StoredEvent[],
  ): Response {
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    const subscription: Subscription = { sent: after };
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

  message(ws: WebSocket, raw: string | ArrayBuffer): void {
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

function send(ws: WebSocket, frame: ServerFrame): boolean {
  try {
    ws.send(JSON.stringify(frame));
    return true;
  } catch {
    return false;
  }
}
