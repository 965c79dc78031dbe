import { z } from "zod";
import { OutputRef } from "./blob-ref";

export const NodeErrorData = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  retryAfterMs: z.number().optional(),
});

/** What the runner reports back to the RunObject for one job (one RPC carries a batch). */
export const NodeResult = z.object({
  nodeId: z.string(),
  attempt: z.number().int(),
  index: z.number().int().optional(),
  itemAttempt: z.number().int().optional(),
  startedAt: z.number(),
  finishedAt: z.number(),
  /** How the job reached the runner: a queue message, or an earlier `complete` answer (eager). */
  delivery: z.enum(["queue", "eager"]).optional(),
  /** Model usage of an agent execution, reported whether it succeeded or not. */
  usage: z
    .object({
      model: z.string(),
      promptTokens: z.number().int(),
      completionTokens: z.number().int(),
      cachedTokens: z.number().int(),
      calls: z.number().int(),
      costUsd: z.number().nullable(),
    })
    .optional(),
  outcome: z.discriminatedUnion("ok", [
    z.object({
      ok: z.literal(true),
      port: z.string().nullable(),
      /**
       * The output and its content hash; the RunObject stores it under cas/sha256/<hash>. An
       * output over INLINE_OUTPUT_BYTES comes as `outputRef` instead, already in R2.
       */
      output: z.unknown(),
      outputHash: z.string(),
      outputRef: OutputRef.optional(),
    }),
    z.object({ ok: z.literal(false), error: NodeErrorData }),
  ]),
});
export type NodeResult = z.infer<typeof NodeResult>;
