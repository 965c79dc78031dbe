import { z } from "zod";
import { defineKind, NO_RETRY, SUCCESS_PORT } from "./kind";

const Any = z.record(z.string(), z.unknown());

/** Kinds in the design that are not built yet: shown in the palette, refused by validation. */
export const subworkflow = defineKind({
  type: "subworkflow",
  title: "Sub-workflow",
  description: "Runs another workflow as one step.",
  status: "coming_soon",
  execution: "wait",
  config: Any,
  ports: () => [SUCCESS_PORT],
  expressions: () => [],
  defaults: { retry: NO_RETRY, timeoutMs: 86_400_000 },
  traits: {},
});
