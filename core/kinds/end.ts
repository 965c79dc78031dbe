import { z } from "zod";
import { render } from "./evaluate";
import { defineKind, NO_RETRY, SUCCESS_PORT } from "./kind";

export const EndConfig = z.strictObject({
  /** The run output: any JSON, with `{{ expression }}` templates. Defaults to null. */
  output: z.unknown().optional(),
});

export const end = defineKind({
  type: "end",
  title: "End",
  description: "Finishes a branch; its rendered `output` becomes the run output.",
  status: "active",
  execution: "inline",
  config: EndConfig,
  ports: () => [SUCCESS_PORT],
  expressions: () => [],
  defaults: { retry: NO_RETRY, timeoutMs: 10_000 },
  traits: { runOutput: true },
  run: async (step, ctx, limits) => ({
    output: await render(step.config.output ?? null, ctx, limits),
    port: null,
  }),
});
