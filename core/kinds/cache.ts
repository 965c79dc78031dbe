import { z } from "zod";

/**
 * Opt-in semantic cache of a deterministic node (core/optimise/cache-keys.ts): a later run with
 * the same rendered config and inputs reuses the stored output for `ttlSeconds`.
 */
export const CacheConfig = z.strictObject({
  ttlSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 24 * 3600),
});
export type CacheConfig = z.infer<typeof CacheConfig>;
