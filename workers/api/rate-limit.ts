import type { Context } from "hono";
import type { TakeResult } from "../../core/limits/token-bucket";
import { admitStart } from "../../platform/admission";
import { ApiError } from "./errors";
import type { AppEnv } from "./types";

/**
 * The HTTP face of run admission (`admitStart`, shared with cron): refuses with 429 and
 * `Retry-After` before anything is created, and sets `RateLimit-*` headers on the answer
 * either way.
 */
export async function admitRun(c: Context<AppEnv>, definition: unknown): Promise<void> {
  const admission = await admitStart(c.env, c.get("tenantId"), definition);
  setHeaders(c, admission.shown);
  if (!admission.ok) {
    c.header("Retry-After", String(admission.retryAfterSeconds));
    throw new ApiError(429, "rate_limited", admission.message);
  }
}

function setHeaders(c: Context<AppEnv>, r: TakeResult): void {
  c.header("RateLimit-Limit", String(r.limit));
  c.header("RateLimit-Remaining", String(r.remaining));
  c.header("RateLimit-Reset", String(Math.ceil(r.resetMs / 1000)));
}
