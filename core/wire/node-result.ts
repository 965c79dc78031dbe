import { z } from "zod";

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
  outcome: z.discriminatedUnion("ok", [
    z.object({
      ok: z.literal(true),
      port: z.string().nullable(),
      /** The output and its content hash; the RunObject stores it under cas/sha256/<hash>. */
      output: z.unknown(),
      outputHash: z.string(),
    }),
    z.object({ ok: z.literal(false), error: NodeErrorData }),
  ]),
});
export type NodeResult = z.infer<typeof NodeResult>;
