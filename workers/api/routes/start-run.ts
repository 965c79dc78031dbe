import {
  type RunStart,
  type Started,
  StartRefused,
  startRun as startRunObject,
} from "../../../durable-objects/run/start";
import { ApiError } from "../errors";
import { newId } from "../ids";

export type { RunStart, Started };

/**
 * Starts a run (durable-objects/run/start.ts) under a new id unless the caller chose one, or
 * queues it behind its workflow's concurrency limit; a refusal answers as the API's error.
 */
export async function startRun(
  env: Env,
  start: Omit<RunStart, "runId"> & { runId?: string },
): Promise<Started> {
  try {
    return await startRunObject(env, { ...start, runId: start.runId ?? newId("run") });
  } catch (err) {
    if (!(err instanceof StartRefused)) throw err;
    throw new ApiError(err.status, err.code, err.message, err.details, err.retryAfterSeconds);
  }
}
