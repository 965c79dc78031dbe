import { toNodeError } from "../../core/errors";
import { runHttp } from "../../core/executors/http";
import type { ExecuteJob } from "../../core/wire/node-job";
import type { NodeResult } from "../../core/wire/node-result";
import { putBlob } from "../platform/cas";
import { fetchTextFor } from "../platform/fetch";
import { addressOf } from "../platform/hash";

/** Executes one queued job and stores its output in R2; never throws (errors are results). */
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
        output = await runHttp(job.step.config, fetchTextFor(env), job.timeoutMs);
        break;
      default:
        throw Object.assign(new Error(`the runner cannot execute "${job.step.type}"`), {
          code: "not_queueable",
          retryable: false,
        });
    }
    const { hash, json } = addressOf(output);
    await putBlob(env.BLOBS, hash, json);
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
