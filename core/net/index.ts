/**
 * The SSRF guard: the one fetch every outbound HTTP request of the platform goes through.
 * `createGuardedFetch` checks each hop with `checkUrl` (scheme, credentials, inward hosts),
 * and `AOB_HTTP_ALLOWLIST`, parsed by `parseAllowlist`, is the only way past an inward host.
 */
export { checkUrl, effectivePort, type PolicyCode, type PolicyResult } from "./address-policy";
export { type Allowlist, type AllowlistEntry, isAllowed, parseAllowlist } from "./allowlist";
export {
  createGuardedFetch,
  type FetchLike,
  type GuardedFetch,
  type GuardedFetchOptions,
  type GuardedRequestInit,
  type GuardedResponse,
} from "./guarded-fetch";
export { createGuardedStreamFetch } from "./guarded-stream";
export {
  HttpFetchError,
  type HttpFetchErrorCode,
  type HttpFetchErrorData,
} from "./http-fetch-error";
