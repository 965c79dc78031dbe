/**
 * The heaps of the local storage simulations. `wrangler dev` runs R2, D1 and Queues as Workers
 * of miniflare's own inside the runtime workerd, each in an isolate of its own, so their memory
 * is in the runtime's RSS but not in the Worker's heap (bench/heap.ts): a 50 MiB put passes
 * through the R2 simulation's streams, whose spent chunks wait there for its garbage collector.
 * In production these are remote services. The runtime's own inspector serves every isolate; it
 * listens on a port of the runtime's choosing (scripts/workerd-processes.ts).
 */
import { heapMib, InspectorSession } from "../scripts/inspector";
import { listeningPorts } from "../scripts/workerd-processes";

/** The isolates measured: miniflare's R2, D1 and Queues simulations. */
const SIMULATION = /^(r2|d1|queues):/;

export class SimulationHeaps {
  private constructor(private readonly sessions: InspectorSession[]) {}

  /** Connects to the simulations' isolates of the runtime `pid`; null when none answer. */
  static async connect(pid: string): Promise<SimulationHeaps | null> {
    for (const port of listeningPorts(pid)) {
      const ids = await isolateIds(port);
      if (!ids) continue;
      const sessions: InspectorSession[] = [];
      for (const id of ids.filter((i) => SIMULATION.test(i))) {
        const session = await InspectorSession.open(port, id);
        if (session) sessions.push(session);
      }
      return sessions.length > 0 ? new SimulationHeaps(sessions) : null;
    }
    return null;
  }

  /** Their used heaps plus array buffers together, in MiB; null when one did not answer. */
  async mib(): Promise<number | null> {
    let total = 0;
    for (const session of this.sessions) {
      const mib = await heapMib(session);
      if (mib === null) return null;
      total += mib;
    }
    return total;
  }

  close(): void {
    for (const session of this.sessions) session.close();
  }
}

/** The isolates an inspector serves, or null when `port` is not an inspector. */
async function isolateIds(port: number): Promise<string[] | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/json/list`, {
      signal: AbortSignal.timeout(1000),
    });
    const list: unknown = JSON.parse(await res.text());
    return Array.isArray(list) ? list.map((t: { id?: unknown }) => String(t.id)) : null;
  } catch {
    return null;
  }
}
