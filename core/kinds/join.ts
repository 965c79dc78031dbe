import { z } from "zod";
import { defineKind, NO_RETRY, SUCCESS_PORT } from "./kind";

export const JoinConfig = z.strictObject({});

export const join = defineKind({
  type: "join",
  title: "Join",
  description:
    "Waits for its incoming branches (node field `join`: all or any); outputs `{ <node id>: output }` of the branches that ran.",
  status: "active",
  execution: "inline",
  config: JoinConfig,
  ports: () => [SUCCESS_PORT],
  expressions: () => [],
  defaults: { retry: NO_RETRY, timeoutMs: 10_000 },
  traits: { pure: true },
  run: async (step, ctx) => {
    const output: Record<string, unknown> = {};
    for (const id of step.firedFrom ?? []) output[id] = ctx.nodes[id]?.output ?? null;
    return { output, port: null };
  },
});
