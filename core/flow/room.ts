/**
 * How many waiting runs a gate may start now (docs/FLOW-CONTROL.md), from what it holds: the
 * runs holding a concurrency slot, and the times of its recent starts against a throttle.
 * Pure: the gate (durable-objects/gate/) stores both and acts on the answer.
 */

/** A gate's rules: a concurrency limit, a throttle, or both. */
export interface GateRules {
  /** Runs active at once. */
  concurrency?: number;
  /** At most `limit` starts in any `periodMs`. */
  throttle?: { limit: number; periodMs: number };
  /** Starts within this long of the last collapse into one run, which waits as long. */
  debounceMs?: number;
  /** Runs waiting at most. */
  maxQueued: number;
}

export interface GateNow {
  /** Runs holding a slot: started, or picked and starting. */
  holding: number;
  /** Waiting runs that may start now (a debounced one waits for its time). */
  waiting: number;
  /** When its recent starts were picked, ms (any order; older than the period are ignored). */
  starts: readonly number[];
  now: number;
}

export interface Room {
  /** How many of the oldest waiting runs to start now. */
  start: number;
  /** When a throttle lets the next waiting run start, if it holds one back; else null. */
  wakeAt: number | null;
}

/**
 * @example
 * room({ concurrency: 2, maxQueued: 10 }, { holding: 1, waiting: 5, starts: [], now: 0 });
 * // { start: 1, wakeAt: null }
 * room({ throttle: { limit: 2, periodMs: 1000 }, maxQueued: 10 },
 *      { holding: 0, waiting: 5, starts: [100, 200], now: 500 });
 * // { start: 0, wakeAt: 1100 }
 */
export function room(rules: GateRules, at: GateNow): Room {
  let free = at.waiting;
  if (rules.concurrency !== undefined) free = Math.min(free, rules.concurrency - at.holding);
  let wakeAt: number | null = null;
  if (rules.throttle) {
    const { limit, periodMs } = rules.throttle;
    const recent = at.starts.filter((t) => t > at.now - periodMs).sort((a, b) => a - b);
    const allowed = Math.max(0, limit - recent.length);
    if (free > allowed) {
      // With the starts made now, the next may start when the oldest of the last `limit`
      // leaves the period.
      const after = [...recent, ...Array<number>(allowed).fill(at.now)];
      wakeAt = after[after.length - limit]! + periodMs;
    }
    free = Math.min(free, allowed);
  }
  return { start: Math.max(0, free), wakeAt };
}
