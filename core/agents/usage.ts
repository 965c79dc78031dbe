import { z } from "zod";

/** Tokens an agent execution (or a whole run) used. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens the provider served from its prompt cache (part of promptTokens). */
  cachedTokens: number;
  /** Model calls made. */
  calls: number;
  /** USD, from the price table; null when a model used has no price. */
  costUsd: number | null;
}

export const ZERO_USAGE: Usage = {
  promptTokens: 0,
  completionTokens: 0,
  cachedTokens: 0,
  calls: 0,
  costUsd: 0,
};

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    calls: a.calls + b.calls,
    costUsd: a.costUsd === null || b.costUsd === null ? null : roundUsd(a.costUsd + b.costUsd),
  };
}

export function totalTokens(u: Pick<Usage, "promptTokens" | "completionTokens">): number {
  return u.promptTokens + u.completionTokens;
}

/** USD per million tokens. `cachedInput` defaults to `input`. */
export const ModelPrice = z.strictObject({
  input: z.number().min(0),
  cachedInput: z.number().min(0).optional(),
  output: z.number().min(0),
});
export const PriceTable = z.record(z.string(), ModelPrice);
export type PriceTable = z.infer<typeof PriceTable>;

/** Built-in prices (USD per million tokens); `AOB_MODEL_PRICES` adds to or replaces them. */
export const DEFAULT_PRICES: PriceTable = {
  "gpt-4o-mini": { input: 0.15, cachedInput: 0.075, output: 0.6 },
  "gpt-4o": { input: 2.5, cachedInput: 1.25, output: 10 },
  "gpt-4.1-mini": { input: 0.4, cachedInput: 0.1, output: 1.6 },
  "gpt-4.1": { input: 2, cachedInput: 0.5, output: 8 },
};

/**
 * The price table: the defaults overlaid with `AOB_MODEL_PRICES` (JSON). A malformed value is a
 * configuration error that names the setting.
 */
export function parsePrices(raw: string | undefined): PriceTable {
  if (!raw || raw.trim() === "") return DEFAULT_PRICES;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`AOB_MODEL_PRICES is not JSON: ${(err as Error).message}`);
  }
  const parsed = PriceTable.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `AOB_MODEL_PRICES is invalid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return { ...DEFAULT_PRICES, ...parsed.data };
}

/**
 * The cost of one call; null when the model has no price. Cached prompt tokens are billed at
 * the cached rate.
 * @example
 * costOf("gpt-4o-mini", { promptTokens: 1000, cachedTokens: 0, completionTokens: 0 }, DEFAULT_PRICES); // 0.00015
 */
export function costOf(
  model: string,
  u: Pick<Usage, "promptTokens" | "completionTokens" | "cachedTokens">,
  prices: PriceTable,
): number | null {
  const price = prices[model];
  if (!price) return null;
  const uncached = Math.max(0, u.promptTokens - u.cachedTokens);
  const cost =
    (uncached * price.input +
      u.cachedTokens * (price.cachedInput ?? price.input) +
      u.completionTokens * price.output) /
    1_000_000;
  return roundUsd(cost);
}

/** USD to a billionth: sums of prices stay readable (0.3, not 0.30000000000000004). */
export function roundUsd(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
