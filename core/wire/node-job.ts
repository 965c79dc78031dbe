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
  /**
   * An agent's patch wrote this node's config: it resolves no secret, its MCP servers' secret
   * headers included (SECURITY.md, "Secrets").
   */
  agentWritten: z.literal(true).optional(),
  /** http: the `Idempotency-Key` its requests carry (core/net/idempotency-key.ts). */
  idempotencyKey: z.string().max(512).optional(),
  /** Agents: what the run may still spend; the agent stops when it has spent that. */
  budget: z.object({ tokens: z.number().optional(), costUsd: z.number().optional() }).optional(),
});
export type ExecuteJob = z.infer<typeof ExecuteJob>;

/**
 * A job too large for a queue message (Cloudflare Queues: 128 KB), sent by reference: its JSON
 * is in R2 under `key` before the message is sent (platform/job-queue.ts). It names its run and
 * node so a runner can group it, and fail it if it reaches the dead-letter queue, unread.
 */
export const JobRef = z.object({
  type: z.literal("execute_ref"),
  runId: z.string(),
  nodeId: z.string(),
  attempt: z.number().int(),
  index: z.number().int().optional(),
  itemAttempt: z.number().int().optional(),
  key: z.string().startsWith("jobs/"),
  bytes: z.number().int(),
});
export type JobRef = z.infer<typeof JobRef>;

/** Sent by GET /api/health to prove the queue accepts messages; the consumer drops it. */
export const PingJob = z.object({ type: z.literal("ping"), id: z.string() });

export const NodeJob = z.discriminatedUnion("type", [ExecuteJob, JobRef, PingJob]);
export type NodeJob = z.infer<typeof NodeJob>;
