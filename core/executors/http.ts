import { NonRetryableError, RetryAfterError } from "../errors";
import { MAX_OUTPUT_DEPTH, nestedDeeperThan, tooDeep } from "../limits/output";
import type { CarriedSecret } from "../net/carried-secrets";
import { type BlobMarker, blobMarker } from "../wire/blob-ref";

/** The subset of the SSRF-guarded fetch the executor needs (see core/net). */
export type FetchText = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    /** Text, or a blob of the tenant's sent as the body, streamed (docs/PAYLOADS.md). */
    body?: string | BlobMarker;
    timeoutMs: number;
    maxResponseBytes?: number;
    secrets?: readonly CarriedSecret[];
  },
) => Promise<{
  status: number;
  headers: Record<string, string>;
  /** The body as text, or a blob marker when it was kept as a blob (binary, or large). */
  body: string | BlobMarker;
  url: string;
}>;

export interface HttpOutput {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the response says it is JSON, else text; a blob marker when kept as a blob. */
  body: unknown;
}

/** What the request carries besides its config: secrets, and the config as people may see it. */
export interface HttpSecrets {
  carried: readonly CarriedSecret[];
  /** The config with secrets as `{{ secrets.NAME }}`: what error messages are built from. */
  shown: Record<string, unknown>;
}

/** What a request carries besides its config. */
export interface RunHttpOptions {
  secrets?: HttpSecrets;
  /** Sent as `Idempotency-Key` unless the config sets that header (core/net/idempotency-key.ts). */
  idempotencyKey?: string | null;
}

/**
 * Executes an http node whose config templates are already rendered. Non-2xx fails the node when
 * `failOnStatus` (default): 408, 429 and 5xx are retryable (honouring Retry-After), other 4xx not.
 * Messages name the URL from `secrets.shown`, so a secret in it appears as its reference.
 * @example
 * await runHttp({ method: "GET", url: "https://api.example.com/x" }, guardedFetch, 10_000);
 */
export async function runHttp(
  config: Record<string, unknown>,
  fetchText: FetchText,
  timeoutMs: number,
  options: RunHttpOptions = {},
): Promise<HttpOutput> {
  const { secrets, idempotencyKey } = options;
  const method = String(config.method ?? "GET").toUpperCase();
  const shownUrl = String((secrets?.shown ?? config).url ?? "");
  let url: URL;
  try {
    url = new URL(String(config.url ?? ""));
  } catch {
    throw new NonRetryableError("invalid_url", `"${shownUrl}" is not a valid URL`);
  }
  const query = (config.query ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries((config.headers ?? {}) as Record<string, unknown>)) {
    headers[k.toLowerCase()] = String(v);
  }
  if (idempotencyKey) headers["idempotency-key"] ??= idempotencyKey;
  let body: string | BlobMarker | undefined;
  const blob = blobMarker(config.body);
  if (config.body !== undefined && config.body !== null && method !== "GET" && method !== "HEAD") {
    if (blob) {
      body = blob;
      headers["content-type"] ??= blob.contentType;
    } else if (typeof config.body === "string") {
      body = config.body;
    } else {
      body = JSON.stringify(config.body);
      headers["content-type"] ??= "application/json";
    }
  }
  const init: Parameters<FetchText>[1] = { method, headers, timeoutMs };
  if (body !== undefined) init.body = body;
  if (typeof config.maxResponseBytes === "number") init.maxResponseBytes = config.maxResponseBytes;
  if (secrets && secrets.carried.length > 0) init.secrets = secrets.carried;
  const res = await fetchText(url.toString(), init);
  const output: HttpOutput = { status: res.status, headers: res.headers, body: parseBody(res) };
  const failOnStatus = config.failOnStatus !== false;
  if (failOnStatus && (res.status < 200 || res.status > 299)) {
    const where = secrets ? shownUrl.split(/[?#]/)[0] : `${url.origin}${url.pathname}`;
    const message = `${method} ${where} answered ${res.status}`;
    if (res.status === 408 || res.status === 429 || res.status >= 500) {
      const retryAfter = parseRetryAfter(res.headers["retry-after"]);
      throw new RetryAfterError(`http_${res.status}`, message, retryAfter ?? 0);
    }
    throw new NonRetryableError(`http_${res.status}`, message);
  }
  return output;
}

function parseBody(res: { headers: Record<string, string>; body: string | BlobMarker }): unknown {
  if (typeof res.body !== "string") return res.body;
  const type = res.headers["content-type"] ?? "";
  if (/[/+]json\b/i.test(type) && res.body !== "") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      return res.body;
    }
    // Refused here, before anything recursive (redaction, RPC, hashing) walks it.
    if (nestedDeeperThan(parsed, MAX_OUTPUT_DEPTH)) {
      const { code, message } = tooDeep("the response body");
      throw new NonRetryableError(code, message);
    }
    return parsed;
  }
  return res.body;
}

function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
