import { toNodeError } from "../../core/errors";
import type { ExecuteJob } from "../../core/wire/node-job";
import type { NodeResult } from "../../core/wire/node-result";
import { runObject } from "../../durable-objects/run/rpc";
import { addressOf } from "../../platform/hash";
import { executeHttp } from "../../platform/http-executor";
import { executeAgent } from "./agent";

/** Executes one queued job; never throws (errors are results). */
export async function executeJob(
  job: ExecuteJob,
  env: Env,
  delivery: "queue" | "eager" = "queue",
): Promise<NodeResult> {
  const startedAt = Date.now();
  const base = {
    nodeId: job.nodeId,
    attempt: job.attempt,
    delivery,
    ...(job.index === undefined ? {} : { index: job.index, itemAttempt: job.itemAttempt ?? 1 }),
  };
  try {
    let output: unknown;
    switch (job.step.type) {
      case "http":
        output = await executeHttp(env, job.tenantId, job.step.config, job.timeoutMs, job.secrets);
        break;
      case "agent": {
        const result = await executeAgent(job, env, runObject(env, job.runId));
        const finishedAt = Date.now();
        if (result.error !== undefined) {
          return {
            ...base,
            startedAt,
            finishedAt,
            usage: result.usage,
            outcome: { ok: false, error: toNodeError(result.error) },
          };
        }
        return {
          ...base,
          startedAt,
          finishedAt,
          usage: result.usage,
          outcome: {
            ok: true,
            port: null,
            output: result.output,
            outputHash: addressOf(result.output ?? null).hash,
          },
        };
      }
      default:
        throw Object.assign(new Error(`the runner cannot execute "${job.step.type}"`), {
          code: "not_queueable",
          retryable: false,
        });
    }
    // The RunObject writes the blob through its outbox once it accepts the result: writing it
    // here too would put an R2 round trip on every queued hop.
    const { hash } = addressOf(output);
    return {
      ...base,
      startedAt,
      finishedAt: Date.now(),
      outcome: { ok: true, port: null, output, outputHash: hash },
    };
  } catch (err) {
    return {
      ...base,
      startedAt,
      finishedAt: Date.now(),
      outcome: { ok: false, error: toNodeError(err) },
    };
  }
}
