import { checkUrl } from "../../core/net/address-policy";
import type { Allowlist } from "../../core/net/allowlist";
import {
  type CarriedSecret,
  checkSecretHosts,
  stripSecretsForRedirect,
} from "../../core/net/carried-secrets";
import { HttpFetchError } from "../../core/net/http-fetch-error";
import type { RequestShape } from "../../core/net/request";
import { type Deadline, startDeadline } from "./deadline";
import { discard, readCappedText } from "./read-body";
import { redirectedRequest, redirectLocation } from "./redirect";

/** The `fetch` the guard calls; the platform's own by default. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * Reads the final response's body (not a redirect's): `readCappedText` by default; the http
 * executor's reader keeps large and binary bodies as blobs (platform/blob-sink.ts).
 */
export type BodyReader<B> = (response: Response, maxBytes: number, origin: string) => Promise<B>;

export interface GuardedFetchOptions<B = string> {
  allowlist: Allowlist;
  fetchImpl?: FetchLike;
  /** Redirects followed before giving up with `too_many_redirects`. */
  maxRedirects?: number;
  /** One limit for the whole exchange: every hop and the body read. */
  timeoutMs?: number;
  /** Body size limit in bytes, enforced while streaming. */
  maxResponseBytes?: number;
  readBody?: BodyReader<B>;
}

/** Bodies are replayable values only, because a 307/308 redirect sends them again. */
export interface GuardedRequestInit {
  method?: string;
  headers?: HeadersInit;
  body?: string | Uint8Array<ArrayBuffer> | URLSearchParams | null;
  signal?: AbortSignal | null;
  /** Secrets the request carries: checked against their hosts on every hop (carried-secrets.ts). */
  secrets?: readonly CarriedSecret[];
  /**
   * Instead of `body`: a body streamed from storage, opened afresh for every hop that sends it
   * (a 307/308 sends it again; a 303 drops it). `body` then stays null.
   */
  streamBody?: () => Promise<ReadableStream<Uint8Array>>;
}

export interface GuardedResponse<B = string> {
  status: number;
  /** Lower-case names; repeated headers (set-cookie) joined with ", ". */
  headers: Record<string, string>;
  /** The body decoded as UTF-8 (or as the `readBody` option reads it). */
  body: B;
  /** The URL that answered, after redirects. */
  url: string;
  redirects: number;
}

export type GuardedFetch<B = string> = (
  input: URL | string,
  init?: GuardedRequestInit,
) => Promise<GuardedResponse<B>>;

/**
 * The one SSRF-guarded fetch every outbound request goes through. Each hop's URL is checked
 * with `checkUrl` before anything is sent, redirects are followed by hand (`redirect:
 * "manual"`) so every Location is checked too, and the body is read with a size cap under one
 * time limit. Non-2xx statuses are returned, not thrown; failures throw `HttpFetchError`.
 * @example
 * const guardedFetch = createGuardedFetch({ allowlist: parseAllowlist(env.AOB_HTTP_ALLOWLIST) });
 * const res = await guardedFetch("https://api.example.com/items", { method: "GET" });
 * res.status; // 200
 * await guardedFetch("http://169.254.169.254/latest/meta-data"); // throws HttpFetchError ssrf_blocked
 */
export function createGuardedFetch(options: GuardedFetchOptions<string>): GuardedFetch<string>;
export function createGuardedFetch<B>(
  options: GuardedFetchOptions<B> & { readBody: BodyReader<B> },
): GuardedFetch<B>;
export function createGuardedFetch<B>(options: GuardedFetchOptions<B>): GuardedFetch<B> {
  const {
    allowlist,
    fetchImpl = (input, init) => fetch(input, init),
    maxRedirects = 5,
    timeoutMs = 30_000,
    maxResponseBytes = 10 * 1024 * 1024,
  } = options;
  const readBody = (options.readBody ?? readCappedText) as BodyReader<B>;

  return async function guardedFetch(input, init = {}) {
    let url = parseUrl(input);
    let request: RequestShape = {
      method: init.method ?? "GET",
      headers: new Headers(init.headers),
      body: init.body ?? null,
    };
    let redirectedFrom: string | undefined;
    let streamBody = init.streamBody;
    const secrets = init.secrets ?? [];
    const deadline = startDeadline(timeoutMs, init.signal);
    try {
      for (let redirects = 0; ; redirects++) {
        const verdict = checkUrl(url, allowlist);
        if (!verdict.ok) {
          const via = redirectedFrom ? ` (redirected from ${redirectedFrom})` : "";
          throw new HttpFetchError(verdict.code, verdict.message + via);
        }
        if (secrets.length > 0) checkSecretHosts(url, request, secrets, redirectedFrom);
        const response = await fetchImpl(url.href, {
          method: request.method,
          headers: request.headers,
          body: streamBody ? await streamBody() : request.body,
          redirect: "manual",
          signal: deadline.signal,
        });
        const location = redirectLocation(response);
        if (location === null) {
          const body = await readBody(response, maxResponseBytes, url.origin);
          return {
            status: response.status,
            headers: toRecord(response.headers),
            body,
            url: url.href,
            redirects,
          };
        }
        discard(response.body);
        if (redirects >= maxRedirects) {
          throw new HttpFetchError(
            "too_many_redirects",
            `more than ${maxRedirects} redirects, the last from ${url.origin}; the server may be looping`,
          );
        }
        const next = parseUrl(location, url);
        const method = request.method;
        request = stripSecretsForRedirect(
          url,
          next,
          redirectedRequest(response.status, request, next.origin !== url.origin),
          secrets,
        );
        // A redirect that turned the request into a GET dropped its body: a streamed one too.
        if (request.method !== method) streamBody = undefined;
        redirectedFrom = url.origin;
        url = next;
      }
    } catch (thrown) {
      throw asFetchError(thrown, deadline, url, timeoutMs);
    } finally {
      deadline.dispose();
    }
  };
}

function parseUrl(input: URL | string, base?: URL): URL {
  try {
    return new URL(input, base);
  } catch (cause) {
    const shown = String(input).slice(0, 200);
    const where = base ? ` (Location header from ${base.origin})` : "";
    throw new HttpFetchError("invalid_url", `not a valid absolute URL: "${shown}"${where}`, {
      cause,
    });
  }
}

/** What went wrong, told apart by who stopped the exchange: us, the caller, or the network. */
function asFetchError(
  thrown: unknown,
  deadline: Deadline,
  url: URL,
  timeoutMs: number,
): HttpFetchError {
  if (thrown instanceof HttpFetchError) return thrown;
  if (deadline.timedOut) {
    return new HttpFetchError(
      "timeout",
      `no complete response from ${url.origin} within ${timeoutMs} ms`,
      { cause: thrown },
    );
  }
  if (deadline.cancelled) {
    return new HttpFetchError("aborted", `request to ${url.origin} was cancelled by the caller`, {
      cause: thrown,
    });
  }
  const detail = describeCause(thrown);
  return new HttpFetchError("network_error", `request to ${url.origin} failed: ${detail}`, {
    cause: thrown,
  });
}

/** Node's fetch says only "fetch failed" and keeps the reason (ECONNREFUSED, ...) in `cause`. */
function describeCause(thrown: unknown): string {
  if (!(thrown instanceof Error)) return String(thrown);
  const inner = thrown.cause instanceof Error ? `: ${thrown.cause.message}` : "";
  return thrown.message + inner;
}

function toRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    const seen = record[name];
    record[name] = seen === undefined ? value : `${seen}, ${value}`;
  });
  return record;
}
