import { type Command, Option } from "commander";
import { call, callEmpty } from "../client";
import { action, leaf } from "../command";
import type { Context } from "../context";
import { UsageError } from "../errors";
import { formatTime, printJson, printTable, say } from "../output";

const EVENTS = ["approval", "budget", "run_failed"] as const;

/** `aob channels list|set|delete`: where approvals notify people (docs/PEOPLE.md). */
export function registerChannels(program: Command): void {
  const group = program
    .command("channels")
    .description("notification channels: webhooks and Slack incoming webhooks (edit scope)");
  leaf(group, "list", "the tenant's channels (never their URLs)").action(action(list));
  leaf(group, "set <name> <url>", "set a channel; approvals then notify it")
    .addOption(
      new Option("--type <type>", "webhook (aob's JSON) or slack")
        .choices(["webhook", "slack"])
        .default("webhook"),
    )
    .option(
      "--events <events>",
      `what it gets for every workflow, comma-separated (${EVENTS.join(", ")}); "none": only nodes that name it`,
      "approval",
    )
    .action(action(set));
  leaf(group, "delete <name>", "remove a channel").action(action(remove));
}

async function list(ctx: Context) {
  const { channels } = await call(ctx.api["notification-channels"].$get());
  if (ctx.json) printJson({ channels });
  else
    printTable(
      ["name", "type", "host", "events", "links to", "updated"],
      channels.map((c) => [
        c.name,
        c.type,
        c.host,
        c.events.join(",") || "(named only)",
        c.origin,
        formatTime(c.updatedAt),
      ]),
      "no channels",
    );
  return undefined;
}

function eventsOf(raw: string): (typeof EVENTS)[number][] {
  if (raw.trim() === "none") return [];
  const items = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const item of items) {
    if (!(EVENTS as readonly string[]).includes(item)) {
      throw new UsageError(`unknown event "${item}" for --events: ${EVENTS.join(", ")} or none`);
    }
  }
  return items as (typeof EVENTS)[number][];
}

async function set(
  ctx: Context,
  name: string,
  url: string,
  opts: { type: "webhook" | "slack"; events: string },
) {
  const channel = await call(
    ctx.api["notification-channels"][":name"].$put({
      param: { name },
      json: { type: opts.type, url, events: eventsOf(opts.events) },
    }),
  );
  if (ctx.json) printJson(channel);
  else
    say(
      `channel ${channel.name}: ${channel.type} to ${channel.host}; decision links point at ${channel.origin}`,
    );
  return undefined;
}

async function remove(ctx: Context, name: string) {
  await callEmpty(ctx.api["notification-channels"][":name"].$delete({ param: { name } }));
  if (ctx.json) printJson({ deleted: name });
  else say(`removed channel ${name}`);
  return undefined;
}
