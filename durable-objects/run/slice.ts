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
  private start = Date.now();

  due(): boolean {
    return Date.now() - this.start >= YIELD_AFTER_MS;
  }

  async yield(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.start = Date.now();
  }
}
