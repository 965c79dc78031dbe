import type { Command } from "commander";
import { call } from "../client";
import { action, integer, leaf } from "../command";
import type { Context } from "../context";
import { CliError } from "../errors";
import { parseJsonOption } from "../input";
import { printJson, printJsonLine, say } from "../output";
import { loadWatch } from "./load-watch";
import { resolveWorkflow } from "./resolve";

interface RunOptions {
  input?: string;
  version?: number;
  watch?: boolean;
}

/** `aob run WORKFLOW`: starts a run, and with `--watch` follows it to the end. */
export function registerRun(program: Command): void {
  leaf(program, "run <workflow>", "start a run of a workflow, given by id or by name")
    .option("--input <json>", "the run's input: JSON, @file, or - for stdin")
    .option("--version <n>", "run this version (default: the latest)", integer(1, 1_000_000))
    .option("--watch", "follow the run live until it ends or waits for an approval")
    .action(action(run));
}

async function run(ctx: Context, workflow: string, opts: RunOptions) {
  const input = opts.input === undefined ? undefined : parseJsonOption(opts.input, "--input");
  const id = await resolveWorkflow(ctx, workflow);
  const body = {
    ...(input === undefined ? {} : { input }),
    ...(opts.version === undefined ? {} : { version: opts.version }),
  };
  const started = await call(
    ctx.api.workflows[":id"].runs.$post({ param: { id }, json: body }),
  ).catch((err: unknown) => {
    throw input === undefined ? withNoInputHint(err) : err;
  });
  const what = started.queue
    ? `queued run ${started.runId} (workflow ${started.workflowId}, version ${started.version}): its workflow's concurrency limit is reached; ${queuePlace(started.queue)}`
    : `started run ${started.runId} (workflow ${started.workflowId}, version ${started.version})`;
  if (!opts.watch) {
    if (ctx.json) printJson(started);
    else {
      say(what);
      say(`follow it with: aob runs show ${started.runId} --watch`);
    }
    return undefined;
  }
  if (ctx.json) printJsonLine({ type: "started", ...started });
  else say(what);
  return (await loadWatch())(ctx, started.runId);
}

/** Where a queued run waits, as a sentence's end. */
export function queuePlace(queue: { position: number | null; key: string | null }): string {
  const key = queue.key === null ? "" : ` of key "${queue.key}"`;
  return queue.position === null
    ? `left the queue${key}`
    : `number ${queue.position} in the queue${key}`;
}

/** A run started without `--input` has the input null: when the schema refuses that, say so. */
function withNoInputHint(err: unknown): unknown {
  if (!(err instanceof CliError) || !err.issues.some((i) => i.at === "input")) return err;
  return new CliError(
    `${err.message} (no --input was given, so the input is null; --input '{}' sends an empty object)`,
    err.exitCode,
    err.code,
    err.issues,
    err.status,
  );
}
