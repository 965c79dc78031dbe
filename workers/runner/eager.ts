import type { NodeResult } from "../../core/wire/node-result";
import type { RunRpc } from "../../durable-objects/run/rpc";
import { executeJob } from "./execute";

/** Jobs one consumer invocation may take back from `complete` answers when unset. */
export const DEFAULT_EAGER_JOBS = 16;

/**
 * Eager dispatch (ARCHITECTURE.md, "Eager dispatch"): when the runner reports results, it offers
 * to run the http jobs they make runnable itself, skipping a queue round trip per hop. The
 * budget bounds how long one invocation holds on (subrequests, wall time) and is shared by every
 * run of the batch; `AOB_EAGER_JOBS=0` turns it off.
 */
export class EagerBudget {
  private left: number;

  constructor(total: number) {
    this.left = total;
  }

  /** Reserves room for one `complete` call; give back what the answer did not use. */
  take(): number {
    const room = this.left;
    this.left = 0;
    return room;
  }

  giveBack(unused: number): void {
    this.left += unused;
  }
}

/** Reads `AOB_EAGER_JOBS`: empty means the default; anything but a whole number >= 0 is an error. */
export function eagerJobs(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return DEFAULT_EAGER_JOBS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`AOB_EAGER_JOBS must be a whole number >= 0, not "${raw}"`);
  }
  return n;
}

/** The RunObject method a report needs, from the object's contract. */
export type CompletingRun = Pick<RunRpc, "complete">;

/**
 * Reports results and runs the jobs each answer hands back, until an answer has none or the
 * budget is spent. The first report's fate is the caller's (it acks or retries the messages);
 * a later report that fails is logged and left to the jobs' leases, which re-dispatch them
 * through the queue.
 */
export async function reportAndContinue(
  run: CompletingRun,
  results: NodeResult[],
  budget: EagerBudget,
  env: Env,
  onFirstReport: () => void,
): Promise<void> {
  let room = budget.take();
  let jobs = await run.complete(results, room);
  budget.giveBack(room - jobs.length);
  onFirstReport();
  while (jobs.length > 0) {
    const next = await Promise.all(jobs.map((job) => executeJob(job, env, "eager")));
    room = budget.take();
    try {
      jobs = await run.complete(next, room);
    } catch (err) {
      budget.giveBack(room);
      const nodes = next.map((r) => r.nodeId);
      console.error(JSON.stringify({ at: "runner", eager: true, nodes, error: String(err) }));
      return;
    }
    budget.giveBack(room - jobs.length);
  }
}
