import WebSocket from "ws";
import { ackFor, type ClientFrame, ServerFrame } from "../../core/wire/frames";
import { CliError } from "../errors";

/** The close code the API uses when a socket's key was revoked (or its session expired). */
const CLOSE_UNAUTHORIZED = 4401;

/** Send a ping this often; a socket silent for `SILENT_MS` is treated as dropped. */
const PING_MS = 15_000;
const SILENT_MS = 40_000;
/** Reconnect backoff: doubling from the first delay up to the cap, then give up. */
const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 5_000;
const MAX_RETRIES = 10;

export interface FeedOptions {
  /** `ws(s)://…/api/runs/:id/ws`; the feed adds `?after=`. */
  url: URL;
  apiKey: string;
  /** Told before each reconnect, with the seq it resumes after. */
  onReconnect?: (info: { attempt: number; after: number; reason: string }) => void;
}

/**
 * The frames of a run's WebSocket, in order, across dropped connections: each reconnect asks
 * for the events after the last seq received, so none is lost or repeated. Frames are parsed
 * with the shared `ServerFrame` schema on arrival. A frame that asks for an ack is acked when
 * the loop takes it, so a loop that stops (a prompt) is sent no more than the server's window
 * meanwhile. Iterate with `for await`; leaving the loop closes the socket.
 */
export class RunFeed implements AsyncIterable<ServerFrame> {
  private after = 0;
  private readonly queue: { frame: ServerFrame; ws: WebSocket }[] = [];
  private wake: (() => void) | null = null;
  private failure: Error | null = null;
  private closed = false;
  private ws: WebSocket | null = null;
  private retries = 0;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: FeedOptions) {}

  async *[Symbol.asyncIterator](): AsyncIterator<ServerFrame> {
    this.connect();
    try {
      for (;;) {
        const next = this.queue.shift();
        if (next) {
          acknowledge(next.ws, next.frame);
          yield next.frame;
          continue;
        }
        if (this.failure) throw this.failure;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      this.close();
    }
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.ws?.terminate();
    this.ws = null;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.close();
    this.notify();
  }

  private connect(): void {
    const url = new URL(this.opts.url);
    url.searchParams.set("after", String(this.after));
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${this.opts.apiKey}` } });
    this.ws = ws;
    let lastHeard = Date.now();
    let reason = "connection closed";
    const heartbeat = setInterval(() => {
      if (Date.now() - lastHeard > SILENT_MS) {
        reason = `no answer for ${SILENT_MS / 1000} s`;
        ws.terminate();
        return;
      }
      const ping: ClientFrame = { type: "ping" };
      ws.send(JSON.stringify(ping));
    }, PING_MS);

    ws.on("open", () => {
      this.retries = 0;
    });
    ws.on("message", (raw: WebSocket.RawData) => {
      lastHeard = Date.now();
      let parsed: ReturnType<typeof ServerFrame.safeParse>;
      try {
        parsed = ServerFrame.safeParse(JSON.parse(raw.toString()));
      } catch {
        this.fail(new CliError("the server sent a frame that is not JSON", 1, "bad_frame"));
        return;
      }
      if (!parsed.success) {
        this.fail(
          new CliError(
            `the server sent an unknown frame: ${raw.toString().slice(0, 200)}`,
            1,
            "bad_frame",
          ),
        );
        return;
      }
      let frame = parsed.data;
      if (frame.type === "events") {
        // A resumed backlog never repeats what was delivered, but be safe against overlap.
        const fresh = frame.events.filter((e) => e.seq > this.after);
        if (fresh.length === 0) {
          acknowledge(ws, frame);
          return;
        }
        frame = { ...frame, events: fresh };
        this.after = fresh[fresh.length - 1]!.seq;
      }
      this.queue.push({ frame, ws });
      this.notify();
    });
    ws.on("error", (err: Error) => {
      reason = err.message;
      // The handshake was refused with a client error (a revoked key, a deleted run): final.
      const status = Number(/Unexpected server response: (\d+)/.exec(err.message)?.[1]);
      if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
        this.fail(
          new CliError(
            `the run's live feed was refused: HTTP ${status}`,
            1,
            "ws_refused",
            [],
            status,
          ),
        );
      }
    });
    ws.on("close", (code: number, why: Buffer) => {
      clearInterval(heartbeat);
      if (this.closed || this.ws !== ws) return;
      if (code === CLOSE_UNAUTHORIZED) {
        // The server ended the feed because the key was revoked: reconnecting cannot help.
        this.fail(
          new CliError(
            `the run's live feed was closed: ${why.toString() || "unauthorized"}; the run goes on, log in with a valid key (\`aob login\`) to follow it`,
            1,
            "ws_refused",
            [],
            401,
          ),
        );
        return;
      }
      this.reconnect(reason);
    });
  }

  private reconnect(reason: string): void {
    if (this.retries >= MAX_RETRIES) {
      this.fail(
        new CliError(
          `lost the run's live feed (${reason}) and could not reconnect after ${MAX_RETRIES} tries; the run goes on: follow it again with \`aob runs show ID --watch\``,
          1,
          "disconnected",
        ),
      );
      return;
    }
    this.retries += 1;
    this.opts.onReconnect?.({ attempt: this.retries, after: this.after, reason });
    const delay = Math.min(FIRST_RETRY_MS * 2 ** (this.retries - 1), MAX_RETRY_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed) this.connect();
    }, delay);
  }
}

/** Sends the ack a frame asks for, on the socket that delivered it (if still open). */
function acknowledge(ws: WebSocket, frame: ServerFrame): void {
  const ack = ackFor(frame);
  if (ack && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(ack));
}
