/**
 * The SSRF policy: pure decisions about where a request may go. `checkUrl` judges each hop
 * (scheme, credentials, inward hosts), and `AOB_HTTP_ALLOWLIST`, parsed by `parseAllowlist`, is
 * the only way past an inward host. The fetch that applies it on every hop is
 * `platform/net/guarded-fetch.ts`.
 */
export { checkUrl, effectivePort, type PolicyCode, type PolicyResult } from "./address-policy";
export { type Allowlist, type AllowlistEntry, isAllowed, parseAllowlist } from "./allowlist";
export {
  HttpFetchError,
  type HttpFetchErrorCode,
  type HttpFetchErrorData,
} from "./http-fetch-error";
