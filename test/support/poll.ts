/**
 * The one bounded wait of the tests, for work they cannot await: a queue delivery, a background
 * write of the RunObject, another process. It reads until `until` holds and returns what it
 * read, or fails saying what it waited for and the last value it saw. Runs in Node and workerd.
 * Errors thrown by `read` are not retried: they fail the test at once.
 */

/**
 * How long a wait may take: under the projects' 15 s test timeout (vitest.config.ts,
 * vitest.workerd.config.ts), so a wait that never ends fails here with what it waited for, not
 * with vitest's bare "timed out". A test that sets a longer timeout of its own (long chains,
 * `wrangler dev` restarts) passes a longer `timeoutMs`.
 */
export const POLL_TIMEOUT_MS = 12_000;

/** Between reads: short, since every read is cheap and local. */
const INTERVAL_MS = 20;

export interface PollOptions<T> {
  /** Defaults to POLL_TIMEOUT_MS. */
  timeoutMs?: number;
  /** How the last value reads in the failure message (JSON by default). */
  show?: (value: T) => string;
}

/**
 * @example
 * const run = await poll(`run ${id} to wait`, () => getRun(id), (r) => r.status === "waiting");
 */
export async function poll<T>(
  what: string,
  read: () => T | Promise<T>,
  until: (value: T) => boolean,
  options: PollOptions<T> = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? POLL_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (until(value)) return value;
    if (Date.now() > deadline) {
      const shown = options.show ? options.show(value) : JSON.stringify(value);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${shown}`);
    }
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
  }
}
