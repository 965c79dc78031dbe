import type { Command } from "commander";
import { formatBytes } from "../../core/limits/output";
import { call, callEmpty } from "../client";
import { action, integer, leaf } from "../command";
import type { Context } from "../context";
import { UsageError } from "../errors";
import { formatTime, printJson, say } from "../output";
import { resolveWorkflow } from "./resolve";

/** `aob retention show|set|reset`: how long runs are kept (docs/LIFECYCLE.md). */
export function registerRetention(program: Command): void {
  const group = program
    .command("retention")
    .description("how long finished runs are kept, for the tenant or one workflow");
  leaf(group, "show", "the policy in force and what the latest sweep deleted")
    .option("--workflow <id or name>", "the policy in force for this workflow's runs")
    .action(action(show));
  leaf(group, "set", "set the tenant's policy, or a workflow's own with --workflow (admin)")
    .option("--workflow <id or name>", "give this workflow its own policy")
    .option("--days <n|none>", "delete finished runs older than n days", limit(1, 36_500))
    .option("--failed-days <n|none>", "keep failed runs n days instead", limit(1, 36_500))
    .option("--keep-last <n|none>", "keep only each workflow's newest n runs", limit(1, 1_000_000))
    .action(action(set));
  leaf(group, "usage", "what the tenant stores now: runs, events, executions, blob bytes").action(
    action(usage),
  );
  leaf(group, "reset", "remove a workflow's own policy: the tenant's applies again (admin)")
    .requiredOption("--workflow <id or name>", "the workflow")
    .action(action(reset));
}

/** An integer option within bounds, or `none` (no limit). */
function limit(min: number, max: number) {
  const parse = integer(min, max);
  return (raw: string): number | null => (raw === "none" ? null : parse(raw));
}

interface Effective {
  days: number | null;
  failedDays: number | null;
  keepLast: number | null;
  source: string;
}

function policyText(policy: Effective): string {
  const parts = [
    policy.days === null ? "no age limit" : `finished runs kept ${policy.days} days`,
    ...(policy.failedDays === null ? [] : [`failed runs ${policy.failedDays} days`]),
    ...(policy.keepLast === null ? [] : [`the newest ${policy.keepLast} per workflow`]),
  ];
  return `${parts.join(", ")} (${policy.source})`;
}

async function show(ctx: Context, opts: { workflow?: string }) {
  if (opts.workflow) {
    const id = await resolveWorkflow(ctx, opts.workflow);
    const policy = await call(ctx.api.workflows[":id"].retention.$get({ param: { id } }));
    if (ctx.json) printJson(policy);
    else say(`workflow ${id}: ${policyText(policy)}`);
    return undefined;
  }
  const body = await call(ctx.api.retention.$get());
  if (ctx.json) {
    printJson(body);
    return undefined;
  }
  say(`retention: ${policyText(body.policy)}`);
  const sweep = body.lastSweep;
  if (!sweep) say("no sweep has run yet (the scheduled handler sweeps every minute)");
  else
    say(
      `last sweep ${formatTime(sweep.startedAt)}: ${sweep.runsDeleted} runs, ${sweep.rowsDeleted} rows, ${sweep.blobsDeleted} stored objects (${formatBytes(sweep.bytesFreed)}) deleted${sweep.more ? "; more to go" : ""}${sweep.error ? `; stopped: ${sweep.error}` : ""}`,
    );
  return undefined;
}

async function set(
  ctx: Context,
  opts: {
    workflow?: string;
    days?: number | null;
    failedDays?: number | null;
    keepLast?: number | null;
  },
) {
  const json = {
    ...(opts.days === undefined ? {} : { days: opts.days }),
    ...(opts.failedDays === undefined ? {} : { failedDays: opts.failedDays }),
    ...(opts.keepLast === undefined ? {} : { keepLast: opts.keepLast }),
  };
  if (Object.keys(json).length === 0) {
    throw new UsageError("say what to keep: --days, --failed-days and/or --keep-last");
  }
  const policy = opts.workflow
    ? await call(
        ctx.api.workflows[":id"].retention.$put({
          param: { id: await resolveWorkflow(ctx, opts.workflow) },
          json,
        }),
      )
    : await call(ctx.api.retention.$put({ json }));
  if (ctx.json) printJson(policy);
  else say(`retention set: ${policyText(policy)}`);
  return undefined;
}

async function usage(ctx: Context) {
  const body = await call(ctx.api.usage.$get());
  if (ctx.json) {
    printJson(body);
    return undefined;
  }
  const statuses = Object.entries(body.runsByStatus)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ");
  say(`runs: ${body.runs}${statuses ? ` (${statuses})` : ""}, ${body.heldRuns} held`);
  say(`events: ${body.events}, node executions: ${body.executions}`);
  say(`blobs: ${body.blobs} (${formatBytes(body.blobBytes)})`);
  return undefined;
}

async function reset(ctx: Context, opts: { workflow: string }) {
  const id = await resolveWorkflow(ctx, opts.workflow);
  await callEmpty(ctx.api.workflows[":id"].retention.$delete({ param: { id } }));
  if (ctx.json) printJson({ workflowId: id, reset: true });
  else say(`workflow ${id} follows the tenant's retention again`);
  return undefined;
}
