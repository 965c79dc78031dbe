export interface Deadline {
  /** Aborts when the time is up or the caller's signal aborts, whichever comes first. */
  readonly signal: AbortSignal;
  /** True once the time limit fired (as opposed to the caller cancelling). */
  readonly timedOut: boolean;
  /** True once the caller's own signal aborted. */
  readonly cancelled: boolean;
  /** Clears the timer and the listener; call it in `finally`. */
  dispose(): void;
}

/**
 * One time limit over a whole exchange (every redirect hop and the body read), combined with
 * an optional caller signal. Built by hand rather than with `AbortSignal.timeout/any` so the
 * guard can tell a timeout from a cancellation and leaves no timer behind.
 * @example
 * const deadline = startDeadline(30_000, init.signal);
 * try { await fetch(url, { signal: deadline.signal }); } finally { deadline.dispose(); }
 */
export function startDeadline(timeoutMs: number, callerSignal?: AbortSignal | null): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  let cancelled = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const onAbort = () => {
    cancelled = true;
    controller.abort(callerSignal?.reason);
  };
  if (callerSignal?.aborted) onAbort();
  else callerSignal?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    get cancelled() {
      return cancelled;
    },
    dispose() {
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onAbort);
    },
  };
}
