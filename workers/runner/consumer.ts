import { type ExecuteJob, type JobRef, NodeJob } from "../../core/wire/node-job";
import type { NodeResult } from "../../core/wire/node-result";
import { runObject } from "../../durable-objects/run/rpc";
import { readJob } from "../../platform/job-queue";
import { EagerBudget, eagerJobs, reportAndContinue } from "./eager";
import { executeJob } from "./execute";

export const NODE_WORK_DLQ = "aob-node-work-dlq";

/**
 * The queue consumer. Node work: execute every job of the batch concurrently, then report the
 * results of each run with one RPC (a DO takes ~1,000 requests/s; batching keeps fan-out cheap).
 * A message is acked only after its run accepted the report; otherwise it is retried, and after
 * the queue's retries it reaches the dead-letter queue. A report may hand back the jobs it made
 * runnable, which run here at once (eager dispatch, ./eager.ts).
 * Dead letters: tell the run the attempt failed (retryable), so it retries or fails at once
 * instead of waiting for the lease.
 */
export async function consume(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const dead = batch.queue === NODE_WORK_DLQ;
  const byRun = new Map<string, { job: ExecuteJob | JobRef; message: Message<unknown> }[]>();
  for (const message of batch.messages) {
    const parsed = NodeJob.safeParse(message.body);
    if (!parsed.success) {
      console.error(
        JSON.stringify({ at: "runner", error: "malformed job dropped", id: message.id }),
      );
      message.ack();
      continue;
    }
    if (parsed.data.type === "ping") {
      message.ack();
      continue;
    }
    const list = byRun.get(parsed.data.runId) ?? [];
    list.push({ job: parsed.data, message });
    byRun.set(parsed.data.runId, list);
  }
  const budget = new EagerBudget(dead ? 0 : eagerJobs(env.AOB_EAGER_JOBS));
  await Promise.all(
    [...byRun].map(async ([runId, entries]) => {
      const results: NodeResult[] = dead
        ? entries.map(({ job }) => deadLetter(job))
        : await Promise.all(entries.map(({ job }) => executeQueued(job, env)));
      try {
        await reportAndContinue(runObject(env, runId), results, budget, env, () => {
          for (const { message } of entries) message.ack();
        });
        // Accepted: a job sent by reference is not needed again (a retry is a new attempt).
        const refs = entries.flatMap(({ job }) => (job.type === "execute_ref" ? [job.key] : []));
        if (refs.length > 0) await env.BLOBS.delete(refs);
      } catch (err) {
        console.error(JSON.stringify({ at: "runner", runId, error: String(err) }));
        for (const { message } of entries) message.retry();
      }
    }),
  );
}

/** Executes a job, reading it from R2 first when it came by reference. */
async function executeQueued(job: ExecuteJob | JobRef, env: Env): Promise<NodeResult> {
  if (job.type === "execute") return executeJob(job, env);
  const read = await readJob(env, job);
  if (read) return executeJob(read, env);
  return failedAttempt(job, "job_missing", `the job's body (${job.key}) could not be read from R2`);
}

function deadLetter(job: ExecuteJob | JobRef): NodeResult {
  return failedAttempt(job, "dead_lettered", "the job could not be delivered to its run");
}

/** A job's attempt failed before it ran (retryable: the run retries it or fails it at once). */
function failedAttempt(job: ExecuteJob | JobRef, code: string, message: string): NodeResult {
  const now = Date.now();
  return {
    nodeId: job.nodeId,
    attempt: job.attempt,
    ...(job.index === undefined ? {} : { index: job.index, itemAttempt: job.itemAttempt ?? 1 }),
    startedAt: now,
    finishedAt: now,
    outcome: { ok: false, error: { code, message, retryable: true } },
  };
}
