import { NonRetryableError } from "../../../core/errors";
import type { ExecuteJob } from "../../../core/wire/node-job";
import type { RunRpc } from "../../../durable-objects/run/rpc";

/** How often work in flight (a model request, a tool call) asks its run whether it is still wanted. */
export const LIVENESS_MS = 500;

/**
 * Whether the run still wants an agent's attempt: asked before each model and tool call, and
 * every {@link LIVENESS_MS} while one is in flight, which is then aborted (issue 22, point 2).
 */
export class Liveness {
  constructor(
    private readonly run: Pick<RunRpc, "attemptLive">,
    private readonly job: ExecuteJob,
  ) {}

  /** Throws `cancelled` when the run no longer wants this attempt. */
  async check(): Promise<void> {
    if (!(await this.live())) throw this.cancelled();
  }

  /**
   * Runs `work` with a signal that aborts once the run no longer wants this attempt; then throws
   * `cancelled`, whatever the work answered (an aborted tool call answers an error).
   */
  async during<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const abort = new AbortController();
    const watch = setInterval(() => {
      this.live().then(
        (still) => {
          if (!still) abort.abort();
        },
        () => {},
      );
    }, LIVENESS_MS);
    try {
      const value = await work(abort.signal);
      if (abort.signal.aborted) throw this.cancelled();
      return value;
    } catch (err) {
      if (abort.signal.aborted) throw this.cancelled();
      throw err;
    } finally {
      clearInterval(watch);
    }
  }

  private live(): Promise<boolean> {
    return this.run.attemptLive(this.job.nodeId, this.job.attempt);
  }

  /** The run no longer wants this attempt (cancelled, failed or ended): the agent stops. */
  private cancelled(): NonRetryableError {
    const { runId, nodeId, attempt } = this.job;
    return new NonRetryableError(
      "cancelled",
      `run ${runId} no longer runs node ${nodeId} (attempt ${attempt}): the agent stopped`,
    );
  }
}
