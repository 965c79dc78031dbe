/**
 * Sending node jobs to the runner's queue within Cloudflare Queues' limits: a message holds at
 * most 128 KB and one `sendBatch` at most 100 messages and 256 KB. A job whose JSON is larger
 * than MAX_INLINE_JOB_BYTES is written to R2 first and sent as a reference (`execute_ref`);
 * the runner reads it back (`readJob`) and deletes it once its run accepted the result.
 */

import { utf8Length } from "../core/limits/output";
import {
  type ExecuteJob,
  ExecuteJob as ExecuteJobSchema,
  type JobRef,
  type NodeJob,
} from "../core/wire/node-job";

/** Largest job sent in the message itself (UTF-8 bytes of its JSON); room left for the envelope. */
export const MAX_INLINE_JOB_BYTES = 100 * 1024;
/** Bytes of message bodies per `sendBatch` call (the platform's limit is 256 KB). */
const MAX_BATCH_BYTES = 200 * 1024;
/** Messages per `sendBatch` call (the platform's limit). */
const MAX_BATCH_MESSAGES = 100;

/** Where a job sent by reference is kept: one key per run, node, attempt and map item. */
export function jobKey(job: ExecuteJob): string {
  const item = job.index === undefined ? "" : `/${job.index}-${job.itemAttempt ?? 1}`;
  return `jobs/${job.runId}/${job.nodeId}/${job.attempt}${item}`;
}

/** The message body for a job: the job itself, or a reference after writing it to R2. */
async function messageFor(
  env: Pick<Env, "BLOBS">,
  job: ExecuteJob,
): Promise<{ body: NodeJob; bytes: number }> {
  const json = JSON.stringify(job);
  const bytes = utf8Length(json);
  if (bytes <= MAX_INLINE_JOB_BYTES) return { body: job, bytes };
  const key = jobKey(job);
  await env.BLOBS.put(key, json, { httpMetadata: { contentType: "application/json" } });
  const ref: JobRef = {
    type: "execute_ref",
    runId: job.runId,
    nodeId: job.nodeId,
    attempt: job.attempt,
    ...(job.index === undefined ? {} : { index: job.index, itemAttempt: job.itemAttempt ?? 1 }),
    key,
    bytes,
  };
  return { body: ref, bytes: utf8Length(JSON.stringify(ref)) };
}

/** Sends jobs to the node-work queue in batches within the platform's limits. */
export async function sendJobs(
  env: Pick<Env, "BLOBS" | "NODE_WORK">,
  jobs: readonly ExecuteJob[],
): Promise<void> {
  const messages = await Promise.all(jobs.map((job) => messageFor(env, job)));
  let batch: { body: NodeJob }[] = [];
  let batchBytes = 0;
  for (const m of messages) {
    if (
      batch.length > 0 &&
      (batch.length === MAX_BATCH_MESSAGES || batchBytes + m.bytes > MAX_BATCH_BYTES)
    ) {
      await env.NODE_WORK.sendBatch(batch);
      batch = [];
      batchBytes = 0;
    }
    batch.push({ body: m.body });
    batchBytes += m.bytes;
  }
  if (batch.length > 0) await env.NODE_WORK.sendBatch(batch);
}

/** The job a reference names, or null when it is gone or not a job. */
export async function readJob(env: Pick<Env, "BLOBS">, ref: JobRef): Promise<ExecuteJob | null> {
  const object = await env.BLOBS.get(ref.key);
  if (!object) return null;
  const parsed = ExecuteJobSchema.safeParse(await object.json());
  return parsed.success ? parsed.data : null;
}
