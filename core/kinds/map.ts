import { z } from "zod";
import { NonRetryableError } from "../errors";
import { RetryPolicy } from "../workflow/definition";
import { evaluate, expressionErrorOf } from "./evaluate";
import { defineKind, NO_RETRY, SUCCESS_PORT } from "./kind";

export const MapConfig = z.strictObject({
  /** JSONata that yields the list to map over. */
  items: z.string().min(1).max(20_000),
  /** How many items run at once. */
  concurrency: z.number().int().min(1).max(100).default(4),
  /**
   * The step run once per item, with `item` and `index` added to the context. Any inline or
   * I/O kind (transform, http, ...); its output per item, in order, is the map's output.
   */
  node: z.strictObject({
    type: z.string().min(1).max(64),
    config: z.record(z.string(), z.unknown()).default({}),
    retry: RetryPolicy.optional(),
    timeoutMs: z.number().int().min(1).max(86_400_000).optional(),
  }),
});

export const map = defineKind({
  type: "map",
  title: "Map",
  description:
    "Runs one step per item of a list with bounded concurrency; outputs the results in order. Fails if an item fails after its retries.",
  status: "active",
  execution: "inline",
  config: MapConfig,
  ports: () => [SUCCESS_PORT],
  expressions: (c) => [{ path: ["items"], source: c.items }],
  defaults: { retry: NO_RETRY, timeoutMs: 300_000 },
  traits: {
    fanOut: {
      step: (c) => c.node,
      concurrency: (c) => c.concurrency,
      items: async (id, config, ctx, limits) => {
        let value: unknown;
        try {
          value = await evaluate(config.items, ctx, limits);
        } catch (thrown) {
          const error = await expressionErrorOf(thrown);
          if (error) {
            throw new NonRetryableError(error.code, `node "${id}" items: ${error.message}`);
          }
          throw thrown;
        }
        if (value === null) return [];
        if (!Array.isArray(value)) {
          throw new NonRetryableError(
            "map_items_not_a_list",
            `node "${id}": items evaluated to ${typeof value}, expected a list`,
          );
        }
        return value;
      },
    },
  },
});
