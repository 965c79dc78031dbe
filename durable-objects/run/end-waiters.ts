/** The longest one caller may wait for a run to end (`awaitEnd`). */
export const MAX_END_WAIT_MS = 60_000;

/**
 * Callers waiting for the run to end (an MCP tool answers a run's output when it ends in time,
 * docs/MCP.md). Each is answered at the first committed events after which the run is over, or
 * at its deadline, whichever comes first: nothing is polled.
 */
export class EndWaiters {
  private readonly waiting = new Set<() => void>();

  /** `over`: whether the run has ended (or there is none to wait for). */
  constructor(private readonly over: () => boolean) {}

  /** Resolves once the run is over, or after `ms` (at most MAX_END_WAIT_MS). */
  wait(ms: number): Promise<void> {
    if (this.over() || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(ms, MAX_END_WAIT_MS));
      this.waiting.add(done);
    });
  }

  /** Called after events were committed: answers every caller if the run is over now. */
  committed(): void {
    if (this.waiting.size === 0 || !this.over()) return;
    for (const done of [...this.waiting]) done();
  }
}
