import type { Command } from "commander";
import { call } from "../client";
import { action, leaf } from "../command";
import type { Context } from "../context";
import { parseJsonOption } from "../input";
import { printJson, say } from "../output";

/** `aob events send`: an event for runs' wait nodes (docs/COMPOSITION.md). */
export function registerEvents(program: Command): void {
  const group = program.command("events").description("send events to runs' wait nodes");
  leaf(group, "send <name>", "send an event to the runs waiting for it (or to one run)")
    .option("--key <key>", "taken by waits whose match rendered this key (and waits without one)")
    .option("--data <json>", "the wait node's output (JSON, @file or -); default null")
    .option("--run <run>", "only this run; one not waiting for it yet keeps it for its wait")
    .option("--idempotency-key <key>", "a run that took an event with this key takes no other")
    .action(action(send));
}

async function send(
  ctx: Context,
  name: string,
  opts: { key?: string; data?: string; run?: string; idempotencyKey?: string },
) {
  const json = {
    name,
    ...(opts.key === undefined ? {} : { key: opts.key }),
    ...(opts.run === undefined ? {} : { runId: opts.run }),
    ...(opts.data === undefined ? {} : { data: parseJsonOption(opts.data, "--data") }),
    ...(opts.idempotencyKey === undefined ? {} : { idempotencyKey: opts.idempotencyKey }),
  };
  const sent = await call(ctx.api.events.$post({ json }));
  if (ctx.json) {
    printJson(sent);
    return undefined;
  }
  for (const d of sent.delivered) say(`delivered to run ${d.runId}, node ${d.nodeId}`);
  if (sent.kept) say(`kept by run ${opts.run} until a wait for "${name}" takes it`);
  for (const runId of sent.duplicates) say(`run ${runId} already took an event with this key`);
  if (sent.delivered.length === 0 && !sent.kept && sent.duplicates.length === 0) {
    say(`no run is waiting for "${name}"${opts.key === undefined ? "" : ` with key ${opts.key}`}`);
  }
  return undefined;
}
