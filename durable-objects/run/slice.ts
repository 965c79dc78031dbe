/** Longest stretch of pump work before it lets other events of the object run (ms). */
export const YIELD_AFTER_MS = 10;

/**
 * Long stretches of pure work (the pump's inline steps, a fused chain) would hold the object:
 * between units of work, `due()` says when YIELD_AFTER_MS has passed, and `yield()` gives the
 * runtime a turn so RPC answers (a run's start) and WebSocket frames go out meanwhile.
 * @example
 * const slice = new Slice();
 * for (const step of steps) {
 *   if (slice.due()) await slice.yield();
 *   run(step);
 * }
 */
export class Slice {
  private start: number;

  /** `now`: the engine's clock (host.ts), so a simulated run yields only when its clock moves. */
  constructor(private readonly now: () => number = Date.now) {
    this.start = now();
  }

  due(): boolean {
    return this.now() - this.start >= YIELD_AFTER_MS;
  }

  async yield(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.start = this.now();
  }
}
