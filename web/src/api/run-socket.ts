import { ackFor, type ClientFrame, ServerFrame } from "../../../core/wire/frames";

export interface RunSocketHandlers {
  onFrame(frame: ServerFrame): void;
  /**
   * The socket closed (not by `close()`); the caller decides whether to reconnect. `code` 4401
   * (`CLOSE_UNAUTHORIZED`): the key was revoked or the session expired.
   */
  onClosed(reason: string, code: number): void;
  /** A frame that does not parse: a server/client mismatch worth showing. */
  onBadFrame(message: string): void;
}

const PING_MS = 25_000;

/** The close code the server uses when the socket's credential ended (revoked, expired). */
export const CLOSE_UNAUTHORIZED = 4401;

/**
 * Subscribes to a run's events: `GET /api/runs/:id/ws?after=N`. The same-origin upgrade carries
 * the session cookie; no credential ever goes in the URL. Returns a function that closes it.
 */
export function subscribeRun(
  runId: string,
  after: number,
  handlers: RunSocketHandlers,
): () => void {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${window.location.host}/api/runs/${encodeURIComponent(runId)}/ws?after=${after}`;
  const ws = new WebSocket(url);
  let closedByUs = false;
  const ping: ClientFrame = { type: "ping" };
  const timer = window.setInterval(() => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(ping));
  }, PING_MS);
  ws.addEventListener("message", (message) => {
    let raw: unknown;
    try {
      raw = JSON.parse(String(message.data));
    } catch {
      handlers.onBadFrame("a frame that is not JSON");
      return;
    }
    const frame = ServerFrame.safeParse(raw);
    if (!frame.success) {
      handlers.onBadFrame(frame.error.message);
      return;
    }
    handlers.onFrame(frame.data);
    // Acknowledged once handled: a tab too busy to handle frames is sent no more until it is
    // done (the server's send buffer, docs/API.md), then caught up.
    const ack = ackFor(frame.data);
    if (ack && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(ack));
  });
  ws.addEventListener("close", (event) => {
    window.clearInterval(timer);
    if (!closedByUs) handlers.onClosed(event.reason || `closed (${event.code})`, event.code);
  });
  return () => {
    closedByUs = true;
    window.clearInterval(timer);
    ws.close(1000, "done");
  };
}
