import { checkUrl } from "../../core/net/address-policy";
import type { Allowlist } from "../../core/net/allowlist";
import { type CarriedSecret, checkSecretHosts } from "../../core/net/carried-secrets";
import { HttpFetchError } from "../../core/net/http-fetch-error";
import type { FetchLike } from "./guarded-fetch";
import { discard } from "./read-body";
import { redirectLocation } from "./redirect";

/**
 * The guard for clients that need a streaming `Response` (the `openai` SDK calling the LLM API):
 * the same address policy and allow-list as `createGuardedFetch`, checked before anything is
 * sent; redirects are refused rather than followed (an API endpoint does not redirect, and a
 * redirect is how an allowed host would point inward). The body streams through untouched;
 * the caller's own timeout and size handling apply. With `secrets` (an MCP server's headers that
 * hold a tenant's secrets), each secret the request carries must be allowed to reach the host,
 * or nothing is sent (`secret_host_not_allowed`).
 * @example
 * const client = new OpenAI({ apiKey, fetch: createGuardedStreamFetch({ allowlist }) });
 */
export function createGuardedStreamFetch(options: {
  allowlist: Allowlist;
  fetchImpl?: FetchLike;
  secrets?: readonly CarriedSecret[];
}): (input: string | URL | Request, init?: RequestInit) => Promise<Response> {
  const fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
  return async (input, init = {}) => {
    const request = input instanceof Request ? input : null;
    let url: URL;
    try {
      url = new URL(request ? request.url : input.toString());
    } catch (cause) {
      throw new HttpFetchError(
        "invalid_url",
        `not a valid absolute URL: "${String(input).slice(0, 200)}"`,
        { cause },
      );
    }
    const verdict = checkUrl(url, options.allowlist);
    if (!verdict.ok) throw new HttpFetchError(verdict.code, verdict.message);
    if (options.secrets && options.secrets.length > 0) {
      const headers = new Headers(init.headers ?? request?.headers);
      const body = typeof init.body === "string" ? init.body : null;
      checkSecretHosts(url, { method: init.method ?? "GET", headers, body }, options.secrets);
    }
    const response = await fetchImpl(url.href, {
      ...(request ? { method: request.method, headers: request.headers, body: request.body } : {}),
      ...init,
      redirect: "manual",
    });
    if (redirectLocation(response) !== null) {
      discard(response.body);
      throw new HttpFetchError(
        "ssrf_blocked",
        `${url.origin} answered with a redirect (${response.status}); redirects are not followed for this client`,
      );
    }
    return response;
  };
}
