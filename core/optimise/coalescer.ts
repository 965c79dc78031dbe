import { canonicalJson } from "../cas/hash";

/** One execution: a node's attempt. */
export interface Claimant {
  nodeId: string;
  attempt: number;
}

interface Flight {
  leader: Claimant;
  followers: Claimant[];
}

/**
 * The key of an HTTP request as it will be sent: method, final URL (query applied), headers
 * (names lower-cased), response cap, failOnStatus and timeout. Two nodes with the same key get
 * byte-identical requests and interpret the answer the same way.
 * @example
 * requestKey({ url: "https://x/a", query: { b: 1 } }, 5000) === requestKey({ url: "https://x/a?b=1" }, 5000); // true
 */
export function requestKey(config: Record<string, unknown>, timeoutMs: number): string | null {
  let url: URL;
  try {
    url = new URL(String(config.url ?? ""));
  } catch {
    return null;
  }
  for (const [k, v] of Object.entries((config.query ?? {}) as Record<string, unknown>)) {
    url.searchParams.set(k, String(v));
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((config.headers ?? {}) as Record<string, unknown>)) {
    headers[k.toLowerCase()] = String(v);
  }
  return canonicalJson({
    method: String(config.method ?? "GET").toUpperCase(),
    url: url.toString(),
    headers,
    maxResponseBytes: config.maxResponseBytes ?? null,
    failOnStatus: config.failOnStatus !== false,
    timeoutMs,
  });
}

/**
 * In-run sharing of identical idempotent requests that are in flight at the same time (the
 * run-time half of core/optimise/coalesce.ts). Pure bookkeeping, no I/O: the RunObject asks
 * `claim` before sending a marked GET and `settle` when a result comes back.
 * @example
 * const c = new RequestCoalescer();
 * c.claim(key, { nodeId: "a", attempt: 1 }, isCurrent); // "lead": send it
 * c.claim(key, { nodeId: "b", attempt: 1 }, isCurrent); // "follow": wait for a's result
 * c.settle({ nodeId: "a", attempt: 1 }); // [{ nodeId: "b", attempt: 1 }]: give b the same result
 */
export class RequestCoalescer {
  private readonly flights = new Map<string, Flight>();
  private readonly leading = new Map<string, string>();
  /** Requests not sent because an identical one was in flight (for the run's figures). */
  saved = 0;

  /**
   * "lead": send the request (also for a leader sending its own attempt again); "follow": an
   * identical request is in flight, wait for its result. A flight whose leader is no longer
   * current (its attempt failed by lease, or was cancelled) is dropped and the claimant leads.
   */
  claim(key: string, who: Claimant, isCurrent: (c: Claimant) => boolean): "lead" | "follow" {
    const flight = this.flights.get(key);
    if (flight && isCurrent(flight.leader)) {
      if (same(flight.leader, who)) return "lead";
      if (!flight.followers.some((f) => same(f, who))) {
        flight.followers.push(who);
        this.saved++;
      }
      return "follow";
    }
    if (flight) this.leading.delete(id(flight.leader));
    this.flights.set(key, { leader: who, followers: [] });
    this.leading.set(id(who), key);
    return "lead";
  }

  /** A result of `who` arrived: when it led a flight, the flight ends and its followers get it. */
  settle(who: Claimant): Claimant[] {
    const key = this.leading.get(id(who));
    if (key === undefined) return [];
    this.leading.delete(id(who));
    const flight = this.flights.get(key)!;
    this.flights.delete(key);
    return flight.followers;
  }

  /** Requests in flight (leaders). */
  get size(): number {
    return this.flights.size;
  }
}

const id = (c: Claimant) => `${c.nodeId}#${c.attempt}`;
const same = (a: Claimant, b: Claimant) => a.nodeId === b.nodeId && a.attempt === b.attempt;
