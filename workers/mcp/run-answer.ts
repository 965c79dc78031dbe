import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { Context } from "hono";
import { TERMINAL_RUN } from "../../core/scheduler";
import type { RunView } from "../api/schemas/run";
import { awaitRunView } from "../api/services/run-view";
import type { AppEnv } from "../api/types";
import { answer } from "./answers";
import { runSummary } from "./run-summary";

/**
 * A tenant's run once it has ended, or as it is after `waitSeconds` (the run's object answers
 * when its end is committed: nothing is polled here).
 */
export function awaitRun(c: Context<AppEnv>, runId: string, waitSeconds: number): Promise<RunView> {
  return awaitRunView(c.env, c.get("tenantId"), runId, Math.round(waitSeconds * 1000));
}

/** What a run that has not ended yet is answered with: how to get its end. */
export function stillGoing(run: RunView, waitedSeconds: number): string {
  const why = run.status === "waiting" ? " (it waits for an approval, an event or a timer)" : "";
  return `the run is ${run.status}${why} after ${waitedSeconds} s: call get_run with runId "${run.id}" (and waitSeconds, up to 50) for its output`;
}

/** The run's summary after waiting up to `waitSeconds` for its end, with a note if it goes on. */
export async function runAnswer(
  c: Context<AppEnv>,
  runId: string,
  waitSeconds: number,
): Promise<CallToolResult> {
  const run = await awaitRun(c, runId, waitSeconds);
  const summary = runSummary(run);
  if (TERMINAL_RUN.has(run.status) || waitSeconds === 0) return answer(summary);
  return answer({ ...summary, note: stillGoing(run, waitSeconds) });
}
