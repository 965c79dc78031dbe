import type { PolicyCode } from "./address-policy";

export type HttpFetchErrorCode =
  | PolicyCode
  | "invalid_url"
  | "too_many_redirects"
  | "secret_host_not_allowed"
  | "secret_redirect_refused"
  | "response_too_large"
  | "timeout"
  | "aborted"
  | "network_error";

/** The plain-data form that crosses a boundary (queue, RPC, event log). */
export interface HttpFetchErrorData {
  code: HttpFetchErrorCode;
  message: string;
  retryable: boolean;
}

/** Only operational faults may pass on another attempt; refusals and user mistakes will not. */
const RETRYABLE: ReadonlySet<HttpFetchErrorCode> = new Set(["timeout", "network_error"]);

/**
 * Why a guarded fetch failed. `retryable` follows from `code`: a timeout or a network fault
 * may pass on retry; a refused address, a bad URL or an oversized response will not.
 * @example
 * const err = new HttpFetchError("timeout", "no response from example.com within 30000 ms");
 * err.retryable; // true
 * JSON.stringify(err); // '{"code":"timeout","message":"no response ...","retryable":true}'
 */
export class HttpFetchError extends Error {
  readonly code: HttpFetchErrorCode;
  readonly retryable: boolean;

  constructor(code: HttpFetchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HttpFetchError";
    this.code = code;
    this.retryable = RETRYABLE.has(code);
  }

  /** Plain data, because class identity does not survive serialisation. */
  toJSON(): HttpFetchErrorData {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}
