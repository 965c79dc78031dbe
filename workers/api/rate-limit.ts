import type { Context } from "hono";
import { parseRateLimits, type TakeResult, tierOf } from "../../core/limits/token-bucket";
import { ApiError } from "./errors";
import type { AppEnv } from "./types";

/**
 * Admits a run start or refuses it with 429 before anything is created. Tenant tier first
 * (by the workflow's agent nodes), then the global limit; both are exact (one Durable Object
 * per scope). Sets `RateLimit-*` headers on the answer either way.
 */
export async function admitRun(c: Context<AppEnv>, definition: unknown): Promise<void> {
  const limits = parseRateLimits(c.env.AOB_RATE_LIMITS);
  const nodes = (definition as { nodes?: { type?: string }[] }).nodes ?? [];
  const tier = tierOf(nodes.filter((n) => n.type === "agent").length);
  const tenant = c.env.LIMITS.get(c.env.LIMITS.idFromName(`tenant:${c.get("tenantId")}`));
  const windowMs = limits.windowSeconds * 1000;
  const perTenant = await tenant.take(`runs:${tier}`, limits[tier], windowMs);
  const decided = perTenant.ok
    ? await c.env.LIMITS.get(c.env.LIMITS.idFromName("global")).take(
        "runs",
        limits.global,
        windowMs,
      )
    : perTenant;
  const shown = decided.ok ? perTenant : decided;
  setHeaders(c, shown);
  if (!decided.ok) {
    const seconds = Math.max(1, Math.ceil(decided.retryAfterMs / 1000));
    c.header("Retry-After", String(seconds));
    const scope = perTenant.ok ? "the platform" : `this tenant (${tier} tier)`;
    throw new ApiError(
      429,
      "rate_limited",
      `too many runs started for ${scope}: ${decided.limit} per ${limits.windowSeconds} s; retry in ${seconds} s`,
    );
  }
}

function setHeaders(c: Context<AppEnv>, r: TakeResult): void {
  c.header("RateLimit-Limit", String(r.limit));
  c.header("RateLimit-Remaining", String(r.remaining));
  c.header("RateLimit-Reset", String(Math.ceil(r.resetMs / 1000)));
}
