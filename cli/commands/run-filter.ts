import { type Command, InvalidArgumentError, Option } from "commander";
import { RUN_STATUSES } from "../../core/scheduler/state";
import type { Context } from "../context";
import { resolveWorkflow } from "./resolve";

export const STATUSES = RUN_STATUSES;
export const TRIGGERS = ["api", "webhook", "cron", "replay", "subworkflow"] as const;

/** The options of a filter over runs, as `runs list` and `runs export` take them. */
export interface RunFilterOptions {
  status?: (typeof STATUSES)[number];
  workflow?: string;
  trigger?: (typeof TRIGGERS)[number];
  since?: number;
  until?: number;
}

/** A time as typed: ISO 8601 or milliseconds since the epoch. */
function instant(raw: string): number {
  const at = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isSafeInteger(at) || at < 0) {
    throw new InvalidArgumentError(
      "expected a time: ISO 8601 (2026-12-01T00:00Z) or ms since 1970",
    );
  }
  return at;
}

/** Adds the filter's options to a command. */
export function withRunFilter(command: Command): Command {
  return command
    .addOption(new Option("--status <status>", "only runs in this status").choices(STATUSES))
    .option("--workflow <id or name>", "only runs of this workflow")
    .addOption(new Option("--trigger <how>", "only runs started this way").choices(TRIGGERS))
    .option("--since <time>", "only runs created at or after (ISO 8601, or ms since 1970)", instant)
    .option("--until <time>", "only runs created before (ISO 8601, or ms since 1970)", instant);
}

/** Whether any filter option was given. */
export function filtered(opts: RunFilterOptions): boolean {
  return [opts.status, opts.workflow, opts.trigger, opts.since, opts.until].some(
    (o) => o !== undefined,
  );
}

/** The filter as the API's query (a workflow name resolved to its id). */
export async function runFilterQuery(
  ctx: Context,
  opts: RunFilterOptions,
): Promise<Record<string, string>> {
  const workflowId = opts.workflow ? await resolveWorkflow(ctx, opts.workflow) : undefined;
  return {
    ...(opts.status ? { status: opts.status } : {}),
    ...(workflowId ? { workflowId } : {}),
    ...(opts.trigger ? { trigger: opts.trigger } : {}),
    ...(opts.since === undefined ? {} : { from: String(opts.since) }),
    ...(opts.until === undefined ? {} : { to: String(opts.until) }),
  };
}
