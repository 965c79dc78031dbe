/**
 * Errors that cross a boundary (queue, RPC, event log) travel as data, because class identity
 * does not survive serialisation. `retryable` tells the scheduler whether another attempt can help.
 */
export interface NodeError {
  code: string;
  message: string;
  retryable: boolean;
  /** Set by RetryAfterError: the earliest time another attempt makes sense. */
  retryAfterMs?: number;
}

/** An error another attempt will not fix (bad config, refused address, 4xx). */
export class NonRetryableError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "NonRetryableError";
  }
}

/** A transient error with a known back-off (429 with Retry-After). */
export class RetryAfterError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = "RetryAfterError";
  }
}

/**
 * Turns anything thrown by an executor into data. Unknown errors are retryable: an operational
 * fault (network, runtime) may pass; a user's mistake is thrown as NonRetryableError.
 * @example
 * toNodeError(new NonRetryableError("bad_config", "url is empty")); // { code: "bad_config", retryable: false, ... }
 */
export function toNodeError(thrown: unknown): NodeError {
  if (thrown instanceof NonRetryableError) {
    return { code: thrown.code, message: thrown.message, retryable: false };
  }
  if (thrown instanceof RetryAfterError) {
    return {
      code: thrown.code,
      message: thrown.message,
      retryable: true,
      retryAfterMs: thrown.delayMs,
    };
  }
  if (isNodeErrorLike(thrown)) {
    const error: NodeError = {
      code: thrown.code,
      message: thrown.message,
      retryable: thrown.retryable,
    };
    if (typeof thrown.retryAfterMs === "number") error.retryAfterMs = thrown.retryAfterMs;
    return error;
  }
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return { code: "internal_error", message, retryable: true };
}

function isNodeErrorLike(value: unknown): value is NodeError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === "string" && typeof v.message === "string" && typeof v.retryable === "boolean"
  );
}

export function assertNever(value: never, what = "value"): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
