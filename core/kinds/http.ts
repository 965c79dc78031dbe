import { z } from "zod";
import { IdempotencyKeyMode } from "../net/idempotency-key";
import { CacheConfig } from "./cache";
import { COST_MS } from "./cost";
import { defineKind, SUCCESS_PORT } from "./kind";

export const HttpConfig = z.strictObject({
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]).default("GET"),
  /** http(s) URL; may contain `{{ templates }}`. Goes through the SSRF guard. */
  url: z.string().min(1).max(8192),
  headers: z.record(z.string(), z.string()).optional(),
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** JSON body (sent as application/json) or a string. */
  body: z.unknown().optional(),
  /** Fail the node on a non-2xx status (4xx is not retried, 5xx/408/429 are). */
  failOnStatus: z.boolean().default(true),
  /** `auto`: the compiler picks inline for short timeouts, else the queue. */
  mode: z.enum(["auto", "inline", "queued"]).default("auto"),
  /**
   * The largest response accepted (default 100 MiB). Text and JSON up to 16 MiB are read into
   * the output; anything larger or binary is kept as a blob and `body` is its marker.
   */
  maxResponseBytes: z
    .number()
    .int()
    .min(1)
    .max(1024 * 1024 * 1024)
    .optional(),
  /** GET/HEAD only: reuse a successful answer from an earlier run for `ttlSeconds`. */
  cache: CacheConfig.optional(),
  /**
   * The `Idempotency-Key` header each request carries (core/net/idempotency-key.ts): one per
   * attempt (default), one per node across its retries, or none.
   */
  idempotencyKey: IdempotencyKeyMode.optional().describe(
    "The Idempotency-Key header: one per attempt (attempt, the default; a re-sent delivery repeats it), one per node across retries (node), or none (off).",
  ),
});

type HttpConfig = z.infer<typeof HttpConfig>;

/** GET or HEAD without a body: the same rendering is the same request. */
const idempotent = (c: HttpConfig) =>
  (c.method === "GET" || c.method === "HEAD") && (c.body === undefined || c.body === null);

export const http = defineKind({
  type: "http",
  title: "HTTP request",
  description:
    "Calls an HTTP API through the SSRF-guarded fetch; outputs `{ status, headers, body }` (body parsed when JSON).",
  status: "active",
  execution: "io",
  config: HttpConfig,
  ports: () => [SUCCESS_PORT],
  expressions: () => [],
  defaults: {
    retry: { maxAttempts: 3, backoff: "exponential", initialDelayMs: 500, maxDelayMs: 30_000 },
    timeoutMs: 30_000,
  },
  traits: {
    mappable: true,
    fetchesInline: true,
    coalescable: idempotent,
    cache: (c) =>
      idempotent(c) && c.cache
        ? {
            ttlSeconds: c.cache.ttlSeconds,
            inputs: "config",
            keyedBy: "rendered config and inputs",
          }
        : null,
    costMs: () => COST_MS.http,
  },
});
