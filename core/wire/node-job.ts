import { z } from "zod";

/** A node (or map item) execution sent to the runner over the queue. */
export const ExecuteJob = z.object({
  type: z.literal("execute"),
  runId: z.string(),
  /** Whose secrets the executor may resolve. */
  tenantId: z.string(),
  nodeId: z.string(),
  attempt: z.number().int(),
  /** Set for a map item. */
  index: z.number().int().optional(),
  itemAttempt: z.number().int().optional(),
  /** The kind and its config with templates rendered; secrets stay markers (core/secrets). */
  step: z.object({ type: z.string(), config: z.record(z.string(), z.unknown()) }),
  /** The only places of `config` where the executor resolves secrets (core/secrets/refs.ts). */
  secrets: z
    .object({
      nonce: z.string(),
      fields: z.array(
        z.object({ path: z.array(z.union([z.string(), z.number()])), names: z.array(z.string()) }),
      ),
    })
    .optional(),
  timeoutMs: z.number().int(),
  /** Agents: what the run may still spend; the agent stops when it has spent that. */
  budget: z.object({ tokens: z.number().optional(), costUsd: z.number().optional() }).optional(),
});
export type ExecuteJob = z.infer<typeof ExecuteJob>;

/** Sent by GET /api/health to prove the queue accepts messages; the consumer drops it. */
export const PingJob = z.object({ type: z.literal("ping"), id: z.string() });

export const NodeJob = z.discriminatedUnion("type", [ExecuteJob, PingJob]);
export type NodeJob = z.infer<typeof NodeJob>;
