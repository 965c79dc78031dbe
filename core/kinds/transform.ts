import { z } from "zod";
import { CacheConfig } from "./cache";
import { evaluate } from "./evaluate";
import { defineKind, NO_RETRY, SUCCESS_PORT } from "./kind";

export const TransformConfig = z.strictObject({
  /** JSONata over `{ input, nodes, run }`; its value is the node output. */
  expression: z.string().min(1).max(20_000),
  /** Reuse the value from an earlier run with the same inputs for `ttlSeconds` (costly expressions). */
  cache: CacheConfig.optional(),
});

export const transform = defineKind({
  type: "transform",
  title: "Transform",
  description: "Computes a value with a JSONata expression over the run context.",
  status: "active",
  execution: "inline",
  config: TransformConfig,
  ports: () => [SUCCESS_PORT],
  expressions: (c) => [{ path: ["expression"], source: c.expression }],
  defaults: { retry: NO_RETRY, timeoutMs: 10_000 },
  traits: {
    pure: true,
    fold: "value",
    mappable: true,
    // A cached transform's lookup is I/O: it takes the plain dispatch path.
    fusable: (c) => c.cache === undefined,
    cache: (c) =>
      c.cache
        ? { ttlSeconds: c.cache.ttlSeconds, inputs: "reads", keyedBy: "rendered config and inputs" }
        : null,
  },
  run: async (step, ctx, limits) => ({
    output: await evaluate(step.config.expression, ctx, limits),
    port: null,
  }),
});
