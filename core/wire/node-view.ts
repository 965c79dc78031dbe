import { z } from "zod";
import { NODE_STATUSES } from "../scheduler/state";

/**
 * One node of a run as its RunObject shows it (`GET /api/runs/:id`): declared once here, built
 * by the object (durable-objects/run/snapshot.ts), named `RunNode` in the OpenAPI document
 * (workers/api/schemas/run.ts) and read by the web app (web/src/runs/run-state.ts).
 */

/** An error as data: `retryable` says whether another attempt can help. */
export const NodeError = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  retryAfterMs: z.number().optional(),
});
export type NodeError = z.infer<typeof NodeError>;

/** Model usage: of an agent node (over its attempts) or of the whole run. */
export const Usage = z.object({
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  cachedTokens: z.number().int().describe("Prompt tokens served from the provider's cache."),
  calls: z.number().int().describe("Model calls."),
  costUsd: z
    .number()
    .nullable()
    .describe("USD from the price table; null when a model used has no price."),
});
export type Usage = z.infer<typeof Usage>;

/** A point in time: milliseconds since the Unix epoch. */
const Timestamp = z.number().int().describe("Milliseconds since the Unix epoch");

export const NodeView = z.object({
  id: z.string(),
  type: z.string(),
  status: z.enum(NODE_STATUSES),
  attempt: z.number().int(),
  iteration: z.number().int(),
  port: z
    .string()
    .nullable()
    .optional()
    .describe("The outcome port taken (condition, switch, approval)."),
  outputHash: z.string().optional(),
  output: z
    .unknown()
    .optional()
    .describe("Inline when at most 64 KiB; otherwise fetch `GET /api/blobs/{outputHash}`."),
  outputBytes: z
    .number()
    .int()
    .optional()
    .describe("UTF-8 bytes of the output's JSON, when it is not inline."),
  error: NodeError.optional(),
  startedAt: Timestamp.optional(),
  finishedAt: Timestamp.optional(),
  progress: z
    .object({ done: z.number().int(), total: z.number().int() })
    .optional()
    .describe("A map's items done out of all."),
  usage: Usage.optional().describe("An agent node's model usage over its attempts."),
  addedBy: z.number().int().optional().describe("The patch that added this node."),
  childRunId: z
    .string()
    .optional()
    .describe("A subworkflow node: the child run of its current attempt."),
  waitingFor: z
    .object({
      event: z.string(),
      key: z.string().nullable().describe("The key an event must carry; null: any key."),
      expiresAt: Timestamp.nullable().describe("When the wait takes `timeout`; null: never."),
      url: z
        .string()
        .nullable()
        .describe(
          "The path of its single-use signed URL (`POST` it to complete the wait without a key); null when the platform has no `AOB_SECRETS_KEY`.",
        ),
    })
    .optional()
    .describe("A wait node waiting for an event: what it waits for, and its signed URL."),
  omit: z
    .object({ pass: z.enum(["absorb_conditions", "eliminate_dead"]), reason: z.string() })
    .optional()
    .describe("Set when the optimiser decided the node will not run, and why."),
  fusedInto: z
    .string()
    .optional()
    .describe("The head of the fused transform chain this node ran in."),
  plan: z
    .object({ earliestMs: z.number(), slackMs: z.number() })
    .optional()
    .describe("The optimiser's estimated earliest start and slack (0 = on the critical path)."),
  input: z
    .unknown()
    .optional()
    .describe(
      "An I/O node's config as its latest attempt was sent, templates resolved; secrets show as `{{ secrets.NAME }}`.",
    ),
});
export type NodeView = z.infer<typeof NodeView>;
