import type { RetryPolicy } from "../workflow/definition";

/**
 * Delay before the next attempt: exponential (or fixed) with "equal jitter" (half fixed, half
 * random), capped. The jitter is derived from a seed so the scheduler stays pure and replayable.
 * @example
 * retryDelayMs({ maxAttempts: 3, backoff: "exponential", initialDelayMs: 500, maxDelayMs: 30000 }, 2, "run:node:2");
 */
export function retryDelayMs(policy: RetryPolicy, tries: number, seed: string): number {
  const base =
    policy.backoff === "fixed"
      ? policy.initialDelayMs
      : policy.initialDelayMs * 2 ** Math.max(0, tries - 1);
  const capped = Math.min(policy.maxDelayMs, base);
  return Math.round(capped / 2 + (capped / 2) * unitHash(seed));
}

/** FNV-1a of a string mapped to [0, 1). */
function unitHash(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x1_0000_0000;
}
