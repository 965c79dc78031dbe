/**
 * The SSRF guard: the one fetch every outbound HTTP request of the platform goes through. It
 * applies the pure policy of `core/net` (`checkUrl`, the allowlist, carried secrets) on every hop.
 */
export {
  createGuardedFetch,
  type FetchLike,
  type GuardedFetch,
  type GuardedFetchOptions,
  type GuardedRequestInit,
  type GuardedResponse,
} from "./guarded-fetch";
export { createGuardedStreamFetch } from "./guarded-stream";
