import type { IoKindName } from "../../core/kinds/registry";
import type { ExecuteJob } from "../../core/wire/node-job";
import type { NodeResult } from "../../core/wire/node-result";
import { runObject } from "../../durable-objects/run/rpc";
import { executeHttp } from "../../platform/http-executor";
import { executeAgent } from "./agent";

type Usage = NonNullable<NodeResult["usage"]>;

/** What an executor gives back: the output, or a failure; with what a model call spent. */
export type Executed =
  | { ok: true; output: unknown; usage?: Usage }
  | { ok: false; error: unknown; usage?: Usage };

export type RunnerExecutor = (job: ExecuteJob, env: Env) => Promise<Executed>;

/**
 * The runner's executor for each I/O kind, keyed by kind name: an I/O kind added to the
 * registry without its executor here is a type error.
 */
export const EXECUTORS: { [K in IoKindName]: RunnerExecutor } = {
  http: async (job, env) => ({
    ok: true,
    output: await executeHttp(
      env,
      { tenantId: job.tenantId, runId: job.runId },
      job.step.config,
      job.timeoutMs,
      { plan: job.secrets, idempotencyKey: job.idempotencyKey ?? null },
    ),
  }),
  agent: async (job, env) => {
    const result = await executeAgent(job, env, runObject(env, job.runId));
    return result.error !== undefined
      ? { ok: false, error: result.error, usage: result.usage }
      : { ok: true, output: result.output, usage: result.usage };
  },
};

/** The executor for a job's kind, or undefined when the runner has none (not an I/O kind). */
export function executorOf(type: string): RunnerExecutor | undefined {
  return Object.hasOwn(EXECUTORS, type) ? EXECUTORS[type as IoKindName] : undefined;
}
