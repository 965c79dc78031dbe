import { z } from "zod";
import { defineKind, NO_RETRY } from "./kind";

export const SwitchConfig = z.strictObject({
  /** JSONata; its value (as text) picks the port of the same name, else `default`. */
  expression: z.string().min(1).max(20_000),
  cases: z.array(z.string().min(1).max(200)).min(1).max(100),
});

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
});
