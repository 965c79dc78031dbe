import { z } from "zod";
import { defineKind, NO_RETRY, SUCCESS_PORT } from "./kind";

export const StartConfig = z.strictObject({
  /**
   * JSON Schema of the run input: the UI's run dialog draws it as a form, a start through the
   * API or MCP is refused when the input breaks it (workers/api/services/start-run.ts).
   */
  inputSchema: z.record(z.string(), z.unknown()).optional(),
});

export const start = defineKind({
  type: "start",
  title: "Start",
  description: "Where a run begins. Its output is the run input.",
  status: "active",
  execution: "inline",
  config: StartConfig,
  ports: () => [SUCCESS_PORT],
  expressions: () => [],
  defaults: { retry: NO_RETRY, timeoutMs: 10_000 },
  traits: { entry: true },
  run: async (_step, ctx) => ({ output: ctx.input ?? null, port: null }),
});
