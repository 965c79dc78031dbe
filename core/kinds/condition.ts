import { z } from "zod";
import { evaluate } from "./evaluate";
import { defineKind, NO_RETRY } from "./kind";

export const ConditionConfig = z.strictObject({
  /** JSONata; its truthiness picks the `true` or `false` port. */
  expression: z.string().min(1).max(20_000),
});

/** The executor routes on JavaScript truthiness of the value (and outputs Boolean(value)). */
const portOf = (value: unknown) => (value ? "true" : "false");

export const condition = defineKind({
  type: "condition",
  title: "Condition",
  description: "Routes to the `true` or `false` port by a JSONata expression.",
  status: "active",
  execution: "inline",
  config: ConditionConfig,
  ports: () => ["true", "false"],
  expressions: (c) => [{ path: ["expression"], source: c.expression }],
  defaults: { retry: NO_RETRY, timeoutMs: 10_000 },
  traits: { pure: true, mappable: true, fold: { port: portOf, literal: portOf } },
  run: async (step, ctx, limits) => {
    const value = await evaluate(step.config.expression, ctx, limits);
    return { output: Boolean(value), port: portOf(value) };
  },
});
