import { toNodeError } from "../../core/errors";
import type { ExecuteJob } from "../../core/wire/node-job";
import type { NodeResult } from "../../core/wire/node-result";
import { addressOf } from "../platform/hash";
import { executeHttp } from "../platform/http-executor";

/** Executes one queued job; never throws (errors are results). */
export async function executeJob(job: ExecuteJob, env: Env): Promise<NodeResult> {
  const startedAt = Date.now();
  const base = {
    nodeId: job.nodeId,
    attempt: job.attempt,
    ...(job.index === undefined ? {} : { index: job.index, itemAttempt: job.itemAttempt ?? 1 }),
  };
  try {
    let output: unknown;
    switch (job.step.type) {
      case "http":
        output = await executeHttp(env, job.tenantId, job.step.config, job.timeoutMs);
        break;
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
