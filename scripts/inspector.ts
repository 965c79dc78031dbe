/**
 * A short session with `wrangler dev`'s inspector (the DevTools protocol over a WebSocket on
 * `--inspector-port`). wrangler turns on the runtime's network events when it starts the Worker,
 * and with them workerd copies every response body it fetches into events (in base64): a 50 MiB
 * download then takes 5.5 s instead of 0.9 s and grows the runtime and wrangler by hundreds of
 * MiB (docs/BENCHMARKS.md, "Session 18"). `quietNetwork` turns them off until the Worker
 * reloads; DevTools turns them on again when it opens its Network panel.
 */
import WebSocket from "ws";

export class InspectorSession {
  private next = 0;
  private readonly waiting = new Map<number, (result: unknown) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data) => {
      const reply = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (reply.id === undefined) return;
      this.waiting.get(reply.id)?.(reply.result ?? null);
      this.waiting.delete(reply.id);
    });
    socket.on("close", () => {
      for (const done of this.waiting.values()) done(null);
      this.waiting.clear();
    });
  }

  /**
   * Connects to the inspector on 127.0.0.1:`port`; null when nothing answers there. wrangler's
   * inspector proxy serves the Worker at `ws`; the runtime's own inspector serves each of its
   * isolates at its id (`r2:bucket`).
   */
  static async open(port: number, target = "ws"): Promise<InspectorSession | null> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/${target}`);
    const open = await new Promise<boolean>((resolve) => {
      socket.once("open", () => resolve(true));
      socket.once("error", () => resolve(false));
    });
    return open ? new InspectorSession(socket) : null;
  }

  /** Sends one command and waits for its result (null when the socket closed first). */
  call(method: string): Promise<unknown> {
    if (this.socket.readyState !== WebSocket.OPEN) return Promise.resolve(null);
    const id = ++this.next;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method }));
    });
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * An isolate's heap as the platform's 128 MB limit counts it, in MiB: V8's used heap plus the
 * array buffers' backing stores (`Runtime.getHeapUsage`); null when the inspector did not answer.
 */
export async function heapMib(session: InspectorSession): Promise<number | null> {
  const u = (await session.call("Runtime.getHeapUsage")) as {
    usedSize: number;
    backingStorageSize?: number;
  } | null;
  return u ? (u.usedSize + (u.backingStorageSize ?? 0)) / (1024 * 1024) : null;
}

/** Turns the runtime's network events off; false when the inspector did not answer. */
export async function quietNetwork(port: number): Promise<boolean> {
  const session = await InspectorSession.open(port);
  if (!session) return false;
  try {
    return (await session.call("Network.disable")) !== null;
  } finally {
    session.close();
  }
}
