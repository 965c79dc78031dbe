import { z } from "zod";
import { NonRetryableError } from "../errors";
import { COST_MS } from "./cost";
import { render } from "./evaluate";
import { defineKind, NO_RETRY, SUCCESS_PORT } from "./kind";

export const DelayConfig = z
  .strictObject({
    /** How long to wait; a number or a `{{ template }}`. */
    seconds: z.union([z.number().min(0).max(31_536_000), z.string()]).optional(),
    /** Or an ISO-8601 time to wait until (may be a template). */
    until: z.string().optional(),
  })
  .refine((c) => (c.seconds === undefined) !== (c.until === undefined), {
    message: "give exactly one of `seconds` or `until`",
  });

export const delay = defineKind({
  type: "delay",
  title: "Delay",
  description: "Waits for a duration or until a time (a Durable Object alarm; costs nothing).",
  status: "active",
  execution: "wait",
  config: DelayConfig,
  ports: () => [SUCCESS_PORT],
  expressions: () => [],
  defaults: { retry: NO_RETRY, timeoutMs: 10_000 },
  traits: {
    wait: {
      for: "timer",
      // `seconds` from now, or the `until` time.
      until: async (id, config, ctx, now, limits) => {
        const rendered = (await render(config, ctx, limits)) as {
          seconds?: unknown;
          until?: unknown;
        };
        if (rendered.until !== undefined) {
          const at = Date.parse(String(rendered.until));
          if (Number.isNaN(at)) {
            throw new NonRetryableError(
              "invalid_time",
              `node "${id}": until "${rendered.until}" is not a time`,
            );
          }
          return at;
        }
        const seconds = Number(rendered.seconds);
        if (!Number.isFinite(seconds) || seconds < 0) {
          throw new NonRetryableError(
            "invalid_duration",
            `node "${id}": seconds must be a number >= 0`,
          );
        }
        return now + seconds * 1000;
      },
    },
    costMs: (c) => (typeof c.seconds === "number" ? c.seconds * 1000 : COST_MS.delayDefault),
  },
});
