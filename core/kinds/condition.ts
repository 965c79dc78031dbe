import { z } from "zod";
import { defineKind, NO_RETRY } from "./kind";

export const ConditionConfig = z.strictObject({
  /** JSONata; its truthiness picks the `true` or `false` port. */
  expression: z.string().min(1).max(20_000),
});

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
});
