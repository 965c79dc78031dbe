import type { IR } from "../compile/ir";
import type { NodeState, RunState } from "./state";

/**
 * The queue window (ARCHITECTURE.md, "The queue window"): a run has at most `limit` queued jobs
 * in the queue at once. A queued node launched while the window is full is `held`: it keeps its
 * token and its `queued` status but no job is sent and no lease runs, so a job never waits in the
 * queue behind thousands of its run's siblings until its lease expires and it is sent again.
 * When a job of the run leaves the queue for good (its node succeeds, fails, waits for a retry or
 * is cancelled), the held node first in the IR's order is sent.
 *
 * What is in the window is derived from the node states (`held` is stored with each node), so a
 * state loaded from storage gives the same window as the state that was stepped: built by one
 * scan the first time a state is stepped, then kept from each step's dirty nodes.
 */
export const QUEUE_WINDOW = 500;

/**
 * The window from its setting (`AOB_QUEUE_WINDOW`): empty is the default, else a whole number
 * of at least 1.
 * @example
 * queueWindow(""); // 500
 * queueWindow("50"); // 50
 */
export function queueWindow(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return QUEUE_WINDOW;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`AOB_QUEUE_WINDOW must be a whole number >= 1, not "${raw}"`);
  }
  return n;
}

export class QueueWindow {
  /** Queued-mode nodes whose job is out: in the queue, or running. */
  readonly inFlight = new Set<string>();
  private readonly held = new Set<string>();
  /** `held` in the IR's order (by index), with entries no longer held removed lazily. */
  private order: number[] = [];

  constructor(
    readonly ir: IR,
    state: RunState,
  ) {
    for (const id in state.nodes) this.update(id, state.nodes[id]!);
  }

  /** Puts a node where its state says it is. */
  update(id: string, st: NodeState): void {
    const index = this.ir.byId[id];
    const queued = index !== undefined && this.ir.nodes[index]!.mode === "queued";
    const out = queued && !st.held && (st.status === "queued" || st.status === "running");
    if (out) this.inFlight.add(id);
    else this.inFlight.delete(id);
    if (queued && st.held && st.status === "queued") {
      if (!this.held.has(id)) {
        this.held.add(id);
        this.insert(index);
      }
    } else {
      this.held.delete(id);
    }
  }

  /** Whether a node launched now must be held. */
  full(limit: number): boolean {
    return this.inFlight.size >= limit;
  }

  /** The held node to send next, taken out of the held set, or null when none is held. */
  next(): string | null {
    while (this.order.length > 0) {
      const id = this.ir.nodes[this.order.shift()!]?.id;
      if (id !== undefined && this.held.delete(id)) return id;
    }
    return null;
  }

  private insert(index: number): void {
    const order = this.order;
    // Fan-outs hold their nodes in index order: appending is the common case.
    if (order.length === 0 || order[order.length - 1]! < index) {
      order.push(index);
      return;
    }
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order[mid]! < index) lo = mid + 1;
      else hi = mid;
    }
    order.splice(lo, 0, index);
  }
}

const windows = new WeakMap<RunState, QueueWindow>();

/** The window of a run state: built on first use, and again when a patch swapped the IR. */
export function windowOf(ir: IR, state: RunState): QueueWindow {
  let window = windows.get(state);
  if (!window || window.ir !== ir) {
    window = new QueueWindow(ir, state);
    windows.set(state, window);
  }
  return window;
}
