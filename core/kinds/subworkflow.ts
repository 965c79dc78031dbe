import { z } from "zod";
import { COST_MS } from "./cost";
import { defineKind, NO_RETRY, SUCCESS_PORT } from "./kind";

/**
 * A run of another workflow of the same tenant as one step (docs/COMPOSITION.md): the node
 * waits, without CPU, for its child run to end; the child's output is the node's output, and a
 * failed child fails the node (`child_failed`), so an `error` edge takes it.
 */
export const SubworkflowConfig = z.strictObject({
  /** The workflow to run: its id, or its name in this workspace. */
  workflow: z.string().min(1).max(200),
  /**
   * A version number pins it; `"latest"` is the latest version when the node starts (each
   * attempt resolves it again).
   */
  version: z.union([z.number().int().min(1), z.literal("latest")]).default("latest"),
  /** The child's input: any JSON, whose strings may be `{{ templates }}`. Default: null. */
  input: z.unknown().optional(),
});
export type SubworkflowConfig = z.infer<typeof SubworkflowConfig>;

/** How deep runs may nest: a root run's child is at depth 1 (docs/COMPOSITION.md). */
export const MAX_SUBWORKFLOW_DEPTH = 5;

export const subworkflow = defineKind({
  type: "subworkflow",
  title: "Sub-workflow",
  description:
    "Runs another workflow of this workspace as one step and waits for it; its output is the child run's output.",
  status: "active",
  execution: "wait",
  config: SubworkflowConfig,
  ports: () => [SUCCESS_PORT],
  expressions: () => [],
  defaults: { retry: NO_RETRY, timeoutMs: 86_400_000 },
  traits: {
    wait: { for: "child", calls: (c) => ({ workflow: c.workflow, version: c.version }) },
    // A map over a subworkflow step runs a child per item, at the map's concurrency.
    mappable: true,
    costMs: () => COST_MS.subworkflow,
  },
});
