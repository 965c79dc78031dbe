import type { FetchText } from "../core/executors/http";
import { type Allowlist, parseAllowlist } from "../core/net";
import type { CarriedSecret } from "../core/net/carried-secrets";
import type { BlobSink } from "./blob-sink";
import { createGuardedFetch, createGuardedStreamFetch } from "./net";

/** Without a blob sink every byte is held as text: the cap stays small. */
const DEFAULT_MAX_TEXT_BYTES = 8 * 1024 * 1024;
/** With one, large and binary bodies stream to R2 (http nodes; docs/PAYLOADS.md). */
const DEFAULT_MAX_RESPONSE_BYTES = 100 * 1024 * 1024;
const parsed = new Map<string, Allowlist>();

/**
 * The executors' view of the SSRF-guarded fetch, configured from `AOB_HTTP_ALLOWLIST`.
 * Every outbound request of the platform goes through here. With a `sink` (http nodes), bodies
 * that are binary or too large to read into an output are kept as blobs, and a blob marker as
 * the request body streams that blob; without one, a blob body is refused.
 */
export function fetchTextFor(
  env: Pick<Env, "AOB_HTTP_ALLOWLIST">,
  sink?: BlobSink,
  /** Aborts the exchange (an agent's tool call when its run is cancelled). */
  signal?: AbortSignal,
): FetchText {
  const list = allowlistOf(env);
  return (url, init) => {
    const { body, secrets } = init;
    const request = {
      method: init.method,
      headers: init.headers,
      ...(secrets === undefined ? {} : { secrets }),
      ...(signal === undefined ? {} : { signal }),
    };
    if (!sink) {
      if (body !== undefined && typeof body !== "string") {
        throw Object.assign(new Error("a blob can only be sent as the body of an http node"), {
          code: "blob_body_unsupported",
          retryable: false,
        });
      }
      const guarded = createGuardedFetch({
        allowlist: list,
        timeoutMs: init.timeoutMs,
        maxResponseBytes: init.maxResponseBytes ?? DEFAULT_MAX_TEXT_BYTES,
      });
      return guarded(url, { ...request, ...(body === undefined ? {} : { body }) });
    }
    const guarded = createGuardedFetch({
      allowlist: list,
      timeoutMs: init.timeoutMs,
      maxResponseBytes: init.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      readBody: (response, maxBytes, origin) => sink.read(response, maxBytes, origin),
    });
    if (body === undefined || typeof body === "string") {
      return guarded(url, { ...request, ...(body === undefined ? {} : { body }) });
    }
    // Opened before the request, so a blob the tenant does not hold fails as that, not as a
    // network error; a redirect that sends the body again opens it again.
    return sink.open(body).then((first) => {
      let opened: ReadableStream<Uint8Array> | null = first;
      const streamBody = () => {
        const stream = opened;
        opened = null;
        return stream ? Promise.resolve(stream) : sink.open(body);
      };
      return guarded(url, { ...request, streamBody });
    });
  };
}

/**
 * The guard's streaming variant (same policy and allow-list), for the `openai` SDK and the MCP
 * client; `secrets` are those its headers carry, each checked against its allowed hosts.
 */
export function streamFetchFor(
  env: Pick<Env, "AOB_HTTP_ALLOWLIST">,
  secrets?: readonly CarriedSecret[],
) {
  return createGuardedStreamFetch({
    allowlist: allowlistOf(env),
    ...(secrets ? { secrets } : {}),
  });
}

/** `AOB_HTTP_ALLOWLIST`, parsed once per distinct value. */
export function allowlistOf(env: Pick<Env, "AOB_HTTP_ALLOWLIST">): Allowlist {
  const raw = env.AOB_HTTP_ALLOWLIST ?? "";
  let allowlist = parsed.get(raw);
  if (!allowlist) {
    allowlist = parseAllowlist(raw);
    parsed.set(raw, allowlist);
  }
  return allowlist;
}
