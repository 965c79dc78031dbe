import { type Command, Option } from "commander";
import { AUDIT_ACTIONS, type AuditAction } from "../../core/people/audit-actions";
import { call } from "../client";
import { action, integer, leaf } from "../command";
import type { Context } from "../context";
import { UsageError } from "../errors";
import { brief, formatTime, printJson, printTable } from "../output";
import { type PageOptions, pagesAsked, withPaging } from "../paging";

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `24h`, `30m`, `7d` before now, as ms since the epoch. */
function since(raw: string): number {
  const match = /^(\d+)([mhd])$/.exec(raw.trim());
  if (!match) throw new UsageError(`--since takes a duration like 30m, 24h or 7d, not "${raw}"`);
  return Date.now() - Number(match[1]) * UNITS[match[2]!]!;
}

/** `aob audit`: the tenant's audit log, newest first (admin; docs/PEOPLE.md). */
export function registerAudit(program: Command): void {
  withPaging(leaf(program, "audit", "who changed what and when: the audit log (admin)"))
    .addOption(new Option("--action <action>", "only this action").choices(AUDIT_ACTIONS))
    .option("--user <id>", "only this user's actions")
    .addOption(new Option("--since <duration>", "only the last 30m, 24h, 7d, ...").argParser(since))
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
