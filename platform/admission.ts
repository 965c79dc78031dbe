import { kindOf } from "../core/kinds/registry";
import {
  parseRateLimits,
  type RateLimits,
  type TakeResult,
  type Tier,
  tierOf,
} from "../core/limits/token-bucket";

/** What admission answered: the bucket shown to the caller, and on refusal when to retry. */
export type Admission =
  | { ok: true; shown: TakeResult }
  | {
      ok: false;
      shown: TakeResult;
      /** Whole seconds, at least 1. */
      retryAfterSeconds: number;
      scope: "tenant" | "platform";
      tier: Tier;
      message: string;
    };

/** A workflow's admission tier, as the API shows it: which, why, and what it allows. */
export interface AdmissionTier {
  tier: Tier;
  agentNodes: number;
  /** Runs of this tier a tenant may start per window. */
  runsPerWindow: number;
  windowSeconds: number;
  reason: string;
}

/**
 * The tier a definition's starts are admitted in (by its agent nodes) and why.
 * @example
 * admissionOf({ nodes: [{ type: "agent" }] }, limits).reason; // "1 agent node: light tier (≤ 2)"
 */
export function admissionOf(definition: unknown, limits: RateLimits): AdmissionTier {
  const nodes = (definition as { nodes?: { type?: string }[] } | null)?.nodes ?? [];
  const agentNodes = nodes.filter((n) => kindOf(n.type ?? "")?.traits.model).length;
  const tier = tierOf(agentNodes);
  const why =
    tier === "none" ? "no agent nodes" : `${agentNodes} agent node${agentNodes === 1 ? "" : "s"}`;
  const bound = tier === "none" ? "" : tier === "light" ? " (1 or 2)" : " (3 or more)";
  return {
    tier,
    agentNodes,
    runsPerWindow: limits[tier],
    windowSeconds: limits.windowSeconds,
    reason: `${why}: ${tier} tier${bound}, ${limits[tier]} runs per ${limits.windowSeconds} s per tenant`,
  };
}

/**
 * The one admission for every way a run starts (API, replay, webhook, cron): a token from the
 * tenant's bucket for the workflow's tier (by its agent nodes), then one from the global
 * bucket. Both are exact (one RateLimiter Durable Object per scope). Takes nothing from the
 * global bucket when the tenant's refuses. Callers turn a refusal into their own answer
 * (HTTP: 429 with `Retry-After`; cron: a recorded refusal) and create nothing.
 * @example
 * const a = await admitStart(env, tenantId, definition);
 * if (!a.ok) console.log(a.message, a.retryAfterSeconds);
 */
export async function admitStart(
  env: Pick<Env, "LIMITS" | "AOB_RATE_LIMITS">,
  tenantId: string,
  definition: unknown,
): Promise<Admission> {
  const limits = parseRateLimits(env.AOB_RATE_LIMITS);
  const { tier } = admissionOf(definition, limits);
  const windowMs = limits.windowSeconds * 1000;
  const tenant = env.LIMITS.get(env.LIMITS.idFromName(`tenant:${tenantId}`));
  const perTenant = await tenant.take(`runs:${tier}`, limits[tier], windowMs);
  const decided = perTenant.ok
    ? await env.LIMITS.get(env.LIMITS.idFromName("global")).take("runs", limits.global, windowMs)
    : perTenant;
  if (decided.ok) return { ok: true, shown: perTenant };
  const retryAfterSeconds = Math.max(1, Math.ceil(decided.retryAfterMs / 1000));
  const scope = perTenant.ok ? "platform" : "tenant";
  const who = scope === "platform" ? "the platform" : `this tenant (${tier} tier)`;
  return {
    ok: false,
    shown: decided,
    retryAfterSeconds,
    scope,
    tier,
    message: `too many runs started for ${who}: ${decided.limit} per ${limits.windowSeconds} s; retry in ${retryAfterSeconds} s`,
  };
}
