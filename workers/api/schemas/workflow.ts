import { z } from "@hono/zod-openapi";
import { WorkflowDefinition as Definition, EdgeSpec } from "../../../core/workflow/definition";
import { Issue } from "./error";
import { NextCursor } from "./params";
import { Timestamp } from "./time";

/** The workflow schema of core/, validating request bodies and named in the document. */
export const WorkflowDefinition = Definition.openapi("WorkflowDefinition");

export const WorkflowSaved = z
  .object({
    id: z.string(),
    version: z.number().int(),
    warnings: z
      .array(Issue)
      .describe("Problems that do not stop a run (an unknown kind, an unreachable node)."),
  })
  .openapi("WorkflowSaved");

export const WorkflowSummary = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    latestVersion: z.number().int(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi("WorkflowSummary");

export const WorkflowList = z.object({
  workflows: z.array(WorkflowSummary),
  nextCursor: NextCursor,
});

export const Workflow = WorkflowSummary.extend({
  version: z
    .number()
    .int()
    .describe("The version shown: the latest, or the one asked for with `?version=`."),
  definition: WorkflowDefinition,
  admission: z
    .object({
      tier: z.enum(["none", "light", "heavy"]),
      agentNodes: z.number().int(),
      runsPerWindow: z.number().int(),
      windowSeconds: z.number().int(),
      reason: z.string(),
    })
    .describe(
      "The tier its starts are admitted in (by its agent nodes, at every entry point: API, webhook, cron, replay, sub-workflow), and what a tenant may start per window.",
    ),
}).openapi("Workflow");
export type Workflow = z.infer<typeof Workflow>;

export const ValidateResult = z
  .object({ valid: z.boolean(), errors: z.array(Issue), warnings: z.array(Issue) })
  .openapi("ValidateResult");

export const VersionList = z.object({
  versions: z.array(z.object({ version: z.number().int(), createdAt: Timestamp })),
  nextCursor: NextCursor,
});

export const WorkflowVersion = z
  .object({
    id: z.string(),
    version: z.number().int(),
    definition: WorkflowDefinition,
    createdAt: Timestamp,
  })
  .openapi("WorkflowVersion");

export const WorkflowDiff = z
  .object({
    id: z.string(),
    from: z.number().int(),
    to: z.number().int(),
    diff: z.object({
      nodes: z.object({
        added: z.array(z.string()),
        removed: z.array(z.string()),
        changed: z.array(z.object({ id: z.string(), fields: z.array(z.string()) })),
      }),
      edges: z.object({ added: z.array(EdgeSpec), removed: z.array(EdgeSpec) }),
      fields: z.array(z.string()).describe("Top-level fields that differ (name, description)."),
    }),
  })
  .openapi("WorkflowDiff");
