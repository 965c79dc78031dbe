import { toNodeError } from "../../core/errors";
import type { ExecuteJob } from "../../core/wire/node-job";
import type { NodeResult } from "../../core/wire/node-result";
import { addressOf } from "../../platform/hash";
import { executorOf } from "./executors";

/** Executes one queued job with its kind's executor (executors.ts); never throws (errors are results). */
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
    const executor = executorOf(job.step.type);
    if (!executor) {
      throw Object.assign(new Error(`the runner cannot execute "${job.step.type}"`), {
        code: "not_queueable",
        retryable: false,
      });
    }
    const done = await executor(job, env);
    const usage = done.usage === undefined ? {} : { usage: done.usage };
    if (!done.ok) {
      return {
        ...base,
        startedAt,
        finishedAt: Date.now(),
        ...usage,
        outcome: { ok: false, error: toNodeError(done.error) },
      };
    }
    // The RunObject writes the blob through its outbox once it accepts the result: writing it
    // here too would put an R2 round trip on every queued hop.
    const { hash } = addressOf(done.output ?? null);
    return {
      ...base,
      startedAt,
      finishedAt: Date.now(),
      ...usage,
      outcome: { ok: true, port: null, output: done.output, outputHash: hash },
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
