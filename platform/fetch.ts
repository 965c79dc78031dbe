import type { FetchText } from "../core/executors/http";
import { type Allowlist, parseAllowlist } from "../core/net";
import { createGuardedFetch, createGuardedStreamFetch } from "./net";

const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
const parsed = new Map<string, Allowlist>();

/**
 * The executors' view of the SSRF-guarded fetch, configured from `AOB_HTTP_ALLOWLIST`.
 * Every outbound request of the platform goes through here.
 */
export function fetchTextFor(env: Pick<Env, "AOB_HTTP_ALLOWLIST">): FetchText {
  const list = allowlistOf(env);
  return (url, init) => {
    const guarded = createGuardedFetch({
      allowlist: list,
      timeoutMs: init.timeoutMs,
      maxResponseBytes: init.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    });
    return guarded(url, {
      method: init.method,
      headers: init.headers,
      ...(init.body === undefined ? {} : { body: init.body }),
      ...(init.secrets === undefined ? {} : { secrets: init.secrets }),
    });
  };
}

/** The guard's streaming variant (same policy and allow-list), for the `openai` SDK. */
export function streamFetchFor(env: Pick<Env, "AOB_HTTP_ALLOWLIST">) {
  return createGuardedStreamFetch({ allowlist: allowlistOf(env) });
}

/** `AOB_HTTP_ALLOWLIST`, parsed once per distinct value. */
function allowlistOf(env: Pick<Env, "AOB_HTTP_ALLOWLIST">): Allowlist {
  const raw = env.AOB_HTTP_ALLOWLIST ?? "";
  let allowlist = parsed.get(raw);
  if (!allowlist) {
    allowlist = parseAllowlist(raw);
    parsed.set(raw, allowlist);
  }
  return allowlist;
}
