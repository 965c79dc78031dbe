import { z } from "zod";
import { evaluate } from "./evaluate";
import { defineKind, NO_RETRY } from "./kind";

export const SwitchConfig = z.strictObject({
  /** JSONata; its value (as text) picks the port of the same name, else `default`. */
  expression: z.string().min(1).max(20_000),
  cases: z.array(z.string().min(1).max(200)).min(1).max(100),
});

/** The port of the case equal to the value as text, else `default`. */
function portOf(value: unknown, cases: readonly string[]): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return cases.includes(text) ? text : "default";
}

export const switchKind = defineKind({
  type: "switch",
  title: "Switch",
  description: "Routes to the port named by an expression's value, or `default`.",
  status: "active",
  execution: "inline",
  config: SwitchConfig,
  ports: (c) => [...c.cases, "default"],
  expressions: (c) => [{ path: ["expression"], source: c.expression }],
  defaults: { retry: NO_RETRY, timeoutMs: 10_000 },
  traits: {
    pure: true,
    mappable: true,
    fold: { port: (value, c) => portOf(value, c.cases), literal: (value) => JSON.stringify(value) },
  },
  run: async (step, ctx, limits) => {
    const value = await evaluate(step.config.expression, ctx, limits);
    return { output: value, port: portOf(value, step.config.cases) };
  },
});
