import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { formatBytes } from "../../core/limits/output";
import { ApiFailure, call } from "../client";
import { action, integer, leaf } from "../command";
import type { Context } from "../context";
import { CliError, EXIT, UsageError } from "../errors";
import { parseJsonOption } from "../input";
import {
  brief,
  formatDuration,
  formatTime,
  printJson,
  printJsonLine,
  printTable,
  say,
  warn,
} from "../output";
import { type PageOptions, pagesAsked, withPaging } from "../paging";
import { ask } from "../prompt";
import type { RunBody } from "../types";
import { usageLine } from "../watch/view";
import { loadWatch } from "./load-watch";
import { queuePlace } from "./run";
import { registerRunArchive } from "./run-archive";
import { registerRunDiff } from "./run-diff";
import { type RunFilterOptions, runFilterQuery, withRunFilter } from "./run-filter";

/** `aob runs list|show|events|trace|cancel|delete|hold|replay|diff|export|import`. */
export function registerRuns(program: Command): void {
  const group = program.command("runs").description("list, follow, cancel and replay runs");
  withRunFilter(withPaging(leaf(group, "list", "list runs, newest first")))
    .option("--limit <n>", "at most this many per page (1-500)", integer(1, 500), 50)
    .action(action(list));
  leaf(group, "show <run>", "show a run with its nodes; --watch follows it live")
    .option("--watch", "follow the run live until it ends or waits for an approval")
    .action(action(show));
  leaf(group, "events <run>", "print one page of the run's event log (--all: every page)")
    .option("--after <seq>", "only events after this seq", integer(0, Number.MAX_SAFE_INTEGER), 0)
    .option("--limit <n>", "events per page (1-5000)", integer(1, 5000), 1000)
    .option("--all", "follow `next` through every page to the end of the log")
    .action(action(events));
  leaf(group, "trace <run>", "an ended run's trace as OTLP JSON (--export: send it again)")
    .option("-o, --output <file>", "write it to a file instead of stdout")
    .option("--export", "send it to the tenant's OTLP endpoint again instead")
    .action(action(trace));
  leaf(group, "cancel <run>", "cancel a queued, running or waiting run").action(action(cancel));
  leaf(group, "delete <run>", "delete an ended run and everything it stored (asks first)")
    .option("--yes", "do not ask (needed without a terminal)")
    .action(action(remove));
  leaf(group, "hold <run>", "pin a run so retention never deletes it (--release unpins)")
    .option("--release", "let retention delete it again")
    .action(action(hold));
  leaf(
    group,
    "replay <run>",
    "start a new run that re-executes from a node, reusing upstream outputs",
  )
    .requiredOption("--from <node>", "the node to execute again")
    .option("--input <json>", "a new input (JSON, @file or -); default: the source run's")
    .option("--watch", "follow the new run live")
    .action(action(replay));
  registerRunDiff(group);
  registerRunArchive(group);
}

async function list(ctx: Context, opts: RunFilterOptions & { limit: number } & PageOptions) {
  const filter = await runFilterQuery(ctx, opts);
  const page = await pagesAsked(opts, "aob runs list", async (cursor) => {
    const query = { limit: String(opts.limit), ...filter, ...(cursor ? { cursor } : {}) };
    const body = await call(ctx.api.runs.$get({ query }));
    return { items: body.runs, nextCursor: body.nextCursor };
  });
  if (ctx.json) printJson({ runs: page.items, nextCursor: page.nextCursor });
  else
    printTable(
      ["id", "workflow", "version", "status", "created", "finished", "kept"],
      page.items.map((r) => [
        r.id,
        r.workflowId,
        String(r.version),
        r.status,
        formatTime(r.createdAt),
        formatTime(r.finishedAt),
        [r.held ? "held" : "", r.archivedFrom ? `archived from ${r.archivedFrom}` : ""]
          .filter(Boolean)
          .join(", "),
      ]),
      "no runs",
    );
  return undefined;
}

async function show(ctx: Context, id: string, opts: { watch?: boolean }) {
  if (opts.watch) return (await loadWatch())(ctx, id);
  const run = await call(ctx.api.runs[":id"].$get({ param: { id } }));
  if (ctx.json) printJson(run);
  else printRun(run);
  return undefined;
}

function printRun(run: RunBody): void {
  const took =
    run.finishedAt === undefined ? "" : `, took ${formatDuration(run.finishedAt - run.createdAt)}`;
  say(`run ${run.id}: ${run.status}`);
  say(`workflow ${run.workflowId} v${run.version}, started ${formatTime(run.createdAt)}${took}`);
  if (run.replayOf) say(`replay of ${run.replayOf.sourceRunId} from node ${run.replayOf.fromNode}`);
  if (run.queue && run.status === "queued") {
    say(`queued behind its workflow's concurrency limit: ${queuePlace(run.queue)}`);
  }
  if (run.parent) {
    const item = run.parent.item ? `, item ${run.parent.item.index}` : "";
    say(`child of run ${run.parent.runId} (node ${run.parent.nodeId}${item})`);
  }
  if (run.archived) {
    say(
      `archived: imported ${formatTime(run.archived.importedAt)} from run ${run.archived.sourceRunId}${run.archived.workflowName ? ` of ${run.archived.workflowName}` : ""}; read-only`,
    );
  }
  const usage = usageLine(run.usage);
  if (usage) say(usage);
  if (run.error) say(`error at node ${run.error.nodeId}: ${run.error.code}: ${run.error.message}`);
  say();
  printTable(
    ["node", "type", "status", "attempt", "took", "detail"],
    run.nodes.map((n) => [
      n.id,
      n.type,
      n.status,
      String(n.attempt),
      n.startedAt !== undefined && n.finishedAt !== undefined
        ? formatDuration(n.finishedAt - n.startedAt)
        : "",
      n.error
        ? `${n.error.code}: ${n.error.message}`
        : n.childRunId
          ? `child run ${n.childRunId}`
          : n.waitingFor
            ? `waiting for event ${n.waitingFor.event}${n.waitingFor.key === null ? "" : ` with key ${n.waitingFor.key}`}${n.waitingFor.expiresAt === null ? "" : ` until ${formatTime(n.waitingFor.expiresAt)}`}`
            : n.progress
              ? `${n.progress.done}/${n.progress.total} items`
              : n.usage
                ? usageLine(n.usage)
                : n.port
                  ? `port ${n.port}`
                  : "",
    ]),
  );
  for (const p of run.patches) {
    const from = p.source.kind === "agent" ? `agent ${p.source.nodeId}` : p.source.by;
    say(`patch ${p.id} from ${from}: ${p.status}${p.reason ? ` (${p.reason})` : ""}`);
  }
  for (const a of run.approvals) {
    const votes = a.votes.map(
      (v) => `${v.decision} by ${v.by}${v.comment ? ` ("${v.comment}")` : ""}`,
    );
    say(
      `approval ${a.nodeId}: ${a.status}: ${brief(a.message)}${votes.length ? `; ${votes.join(", ")}` : ""}`,
    );
  }
  if (run.status === "completed" && run.output !== undefined) {
    say(`output: ${JSON.stringify(run.output, null, 2)}`);
  }
}

async function events(
  ctx: Context,
  id: string,
  opts: { after: number; limit: number; all?: boolean },
) {
  let after: number | null = opts.after;
  let printed = 0;
  while (after !== null) {
    const query: { after: string; limit: string } = {
      after: String(after),
      limit: String(opts.limit),
    };
    const body = await call(ctx.api.runs[":id"].events.$get({ param: { id }, query }));
    // --all prints one event per JSON line (a log of 10,000 events never sits in one document).
    if (ctx.json && opts.all) for (const e of body.events) printJsonLine(e);
    else if (ctx.json) printJson(body);
    else if (body.events.length > 0 || printed === 0)
      printTable(
        ["seq", "time", "type", "node", "data"],
        body.events.map((e) => [
          String(e.seq),
          formatTime(e.at),
          e.type,
          e.nodeId ?? "",
          e.data === undefined ? "" : brief(e.data, 100),
        ]),
        "no events",
      );
    printed += body.events.length;
    after = body.next;
    if (after !== null && !opts.all) {
      if (!ctx.json) warn(`more events: aob runs events ${id} --after ${after} (or --all)`);
      break;
    }
  }
  return undefined;
}

async function trace(ctx: Context, id: string, opts: { output?: string; export?: boolean }) {
  if (opts.export) {
    const owed = await call(ctx.api.runs[":id"].trace.$post({ param: { id } }));
    if (ctx.json) printJson(owed);
    else say(`run ${id}'s trace is on its way to ${owed.host} (see \`aob runs events ${id}\`)`);
    return undefined;
  }
  const otlp = await call(ctx.api.runs[":id"].trace.$get({ param: { id } }));
  const text = `${JSON.stringify(otlp, null, 2)}\n`;
  if (!opts.output) {
    process.stdout.write(text);
    return undefined;
  }
  writeFileSync(opts.output, text);
  const spans = otlp.resourceSpans.flatMap((r) => r.scopeSpans).flatMap((s) => s.spans).length;
  if (ctx.json) printJson({ runId: id, spans, output: opts.output });
  else say(`wrote run ${id}'s trace (${spans} spans) to ${opts.output}`);
  return undefined;
}

async function cancel(ctx: Context, id: string) {
  const run: unknown = await call(ctx.api.runs[":id"].cancel.$post({ param: { id } }));
  if (ctx.json) printJson(run);
  else say(`run ${id} cancelled`);
  return undefined;
}

async function remove(ctx: Context, id: string, opts: { yes?: boolean }) {
  if (!opts.yes) {
    if (!ctx.interactive) {
      throw new UsageError(`deleting run ${id} cannot be undone: confirm with --yes`);
    }
    const answer = await ask(
      `Delete run ${id}: its events, outputs and the blobs only it holds? This cannot be undone. [y/N] `,
    );
    if (!/^y(es)?$/i.test(answer)) {
      say("nothing deleted");
      return EXIT.failed;
    }
  }
  const freed = await call(ctx.api.runs[":id"].$delete({ param: { id } }));
  if (ctx.json) printJson(freed);
  else
    say(
      `run ${id} deleted: ${freed.rows} rows, ${freed.blobs} stored objects (${formatBytes(freed.bytes)})`,
    );
  return undefined;
}

async function hold(ctx: Context, id: string, opts: { release?: boolean }) {
  const held = !opts.release;
  const body = await call(ctx.api.runs[":id"].hold.$put({ param: { id }, json: { held } }));
  if (ctx.json) printJson(body);
  else say(held ? `run ${id} is held: retention keeps it` : `run ${id} is no longer held`);
  return undefined;
}

async function replay(
  ctx: Context,
  id: string,
  opts: { from: string; input?: string; watch?: boolean },
) {
  const input = opts.input === undefined ? undefined : parseJsonOption(opts.input, "--input");
  const body = { fromNode: opts.from, ...(input === undefined ? {} : { input }) };
  let started: { runId: string };
  try {
    started = await call(ctx.api.runs[":id"].replay.$post({ param: { id }, json: body }));
  } catch (err) {
    // A server from before replay answers the catch-all 404 "no route".
    if (err instanceof ApiFailure && err.status === 404 && err.message.startsWith("no route")) {
      throw new CliError("replay is not available on this server yet", 1, "not_available");
    }
    throw err;
  }
  if (ctx.json) {
    if (opts.watch) printJsonLine({ type: "started", ...started });
    else printJson(started);
  } else say(`started run ${started.runId}, a replay of ${id} from node ${opts.from}`);
  return opts.watch ? (await loadWatch())(ctx, started.runId) : undefined;
}
