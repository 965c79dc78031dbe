import { toNodeError } from "../../core/errors";
import type { ExecuteJob } from "../../core/wire/node-job";
import type { NodeResult } from "../../core/wire/node-result";
import { addressOf } from "../../platform/hash";
import { placeOutput } from "../../platform/output-refs";
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
    // A small output travels in the result and the RunObject writes its blob through its outbox
    // once it accepts it (writing it here would put an R2 round trip on every queued hop). A
    // large one is in R2 before it is reported (platform/output-refs.ts); a map item's result
    // stays inline, held to the inline limit by the object.
    const placed =
      job.index === undefined
        ? await placeOutput(env, { tenantId: job.tenantId, runId: job.runId }, done.output)
        : inline(done.output);
    const timing = { startedAt, finishedAt: Date.now() };
    if ("problem" in placed)
      return { ...base, ...timing, ...usage, outcome: { ok: false, error: placed.problem } };
    const outcome =
      "ref" in placed
        ? {
            ok: true as const,
            port: null,
            output: undefined,
            outputHash: placed.ref.hash,
            outputRef: placed.ref,
          }
        : { ok: true as const, port: null, output: done.output, outputHash: placed.hash };
    return { ...base, ...timing, ...usage, outcome };
  } catch (err) {
    return {
      ...base,
      startedAt,
      finishedAt: Date.now(),
      outcome: { ok: false, error: toNodeError(err) },
    };
  }
}

function inline(output: unknown): { output: unknown; hash: string } {
  return { output, hash: addressOf(output ?? null).hash };
}
