import { type Command, Option } from "commander";
import { AUDIT_ACTIONS, type AuditAction } from "../../core/people/audit-actions";
import { call } from "../client";
import { action, integer, leaf } from "../command";
import type { Context } from "../context";
import { sinceDuration } from "../duration";
import { brief, formatTime, printJson, printTable } from "../output";
import { type PageOptions, pagesAsked, withPaging } from "../paging";

/** `aob audit`: the tenant's audit log, newest first (admin; docs/PEOPLE.md). */
export function registerAudit(program: Command): void {
  withPaging(leaf(program, "audit", "who changed what and when: the audit log (admin)"))
    .addOption(new Option("--action <action>", "only this action").choices(AUDIT_ACTIONS))
    .option("--user <id>", "only this user's actions")
    .addOption(
      new Option("--since <duration>", "only the last 30m, 24h, 7d, ...").argParser(sinceDuration),
    )
    .option("--limit <n>", "at most this many (1-500)", integer(1, 500), 50)
    .action(action(list));
}

async function list(
  ctx: Context,
  opts: { action?: AuditAction; user?: string; since?: number; limit: number } & PageOptions,
) {
  const page = await pagesAsked(opts, "aob audit", async (cursor) => {
    const query = {
      limit: String(opts.limit),
      ...(opts.action ? { action: opts.action } : {}),
      ...(opts.user ? { userId: opts.user } : {}),
      ...(opts.since === undefined ? {} : { since: String(opts.since) }),
      ...(cursor ? { cursor } : {}),
    };
    const body = await call(ctx.api.audit.$get({ query }));
    return { items: body.entries, nextCursor: body.nextCursor };
  });
  if (ctx.json) printJson({ entries: page.items, nextCursor: page.nextCursor });
  else
    printTable(
      ["when", "who", "action", "target", "details", "from"],
      page.items.map((e) => [
        formatTime(e.at),
        e.actor.name,
        e.action,
        `${e.target.type} ${e.target.id}`,
        brief(e.details, 60),
        e.ip ?? "",
      ]),
      "no entries",
    );
  return undefined;
}
