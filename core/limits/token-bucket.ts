/** A token bucket: `capacity` tokens, refilled continuously at capacity per `windowMs`. */
export interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface TakeResult {
  ok: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until one more token is available (0 when ok). */
  retryAfterMs: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
}

/**
 * Takes one token if there is one. Pure: returns the new bucket state.
 * @example
 * const { bucket, result } = take(undefined, 100, 60_000, Date.now());
 */
export function take(
  previous: Bucket | undefined,
  capacity: number,
  windowMs: number,
  now: number,
): { bucket: Bucket; result: TakeResult } {
  const rate = capacity / windowMs;
  const start = previous ?? { tokens: capacity, updatedAt: now };
  const tokens = Math.min(capacity, start.tokens + Math.max(0, now - start.updatedAt) * rate);
  const ok = tokens >= 1;
  const left = ok ? tokens - 1 : tokens;
  return {
    bucket: { tokens: left, updatedAt: now },
    result: {
      ok,
      limit: capacity,
      remaining: Math.floor(left),
      retryAfterMs: ok ? 0 : Math.ceil((1 - tokens) / rate),
      resetMs: Math.ceil((capacity - left) / rate),
    },
  };
}

/** Run-start tiers by the number of agent nodes in the workflow. */
export type Tier = "none" | "light" | "heavy";

export function tierOf(agentNodes: number): Tier {
  return agentNodes === 0 ? "none" : agentNodes <= 2 ? "light" : "heavy";
}

/** Runs started per window (a minute by default): global, and per tenant by tier. */
export interface RateLimits {
  global: number;
  none: number;
  light: number;
  heavy: number;
  windowSeconds: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  global: 1000,
  none: 100,
  light: 20,
  heavy: 5,
  windowSeconds: 60,
};

/** Reads `AOB_RATE_LIMITS` (JSON, any subset of the keys); bad input falls back to defaults. */
export function parseRateLimits(raw: string | undefined): RateLimits {
  if (!raw) return DEFAULT_RATE_LIMITS;
  try {
    const parsed = JSON.parse(raw) as Partial<Record<keyof RateLimits, unknown>>;
    const pick = (k: keyof RateLimits) => {
      const v = parsed[k];
      return typeof v === "number" && v > 0 ? v : DEFAULT_RATE_LIMITS[k];
    };
    return {
      global: pick("global"),
      none: pick("none"),
      light: pick("light"),
      heavy: pick("heavy"),
      windowSeconds: pick("windowSeconds"),
    };
  } catch {
    return DEFAULT_RATE_LIMITS;
  }
}
