import { type Command, Option } from "commander";
import { z } from "zod";
import type { VoteDecision } from "../../core/kinds/approval";
import { call } from "../client";
import { action, integer, leaf } from "../command";
import type { Context } from "../context";
import { parseJsonOption } from "../input";
import { brief, formatTime, printJson, printTable, say } from "../output";
import { type PageOptions, pagesAsked, withPaging } from "../paging";
import type { Decision } from "../watch/decide";

const Decided = z.object({ status: z.string() });

const STATUSES = ["pending", "approved", "rejected", "timeout", "cancelled"] as const;

/** `aob approvals list|approve|reject`: the inbox, and deciding from a script. */
export function registerApprovals(program: Command): void {
  const group = program.command("approvals").description("list and decide approvals");
  withPaging(leaf(group, "list", "approvals of every run, newest first (default: pending)"))
    .addOption(
      new Option("--status <status>", "only approvals in this status")
        .choices(STATUSES)
        .default("pending"),
    )
    .option("--mine", "only those waiting for me: assigned to me and not yet voted on by me")
    .option("--limit <n>", "at most this many (1-500)", integer(1, 500), 100)
    .action(action(list));
  leaf(group, "approve <run> <node>", "approve the approval node of a waiting run")
    .option("--comment <text>", "a comment kept with the vote")
    .option("--data <json>", "form data (JSON, @file or -) when the approval has a form")
    .action(action(decide("approve")));
  leaf(group, "reject <run> <node>", "reject the approval node of a waiting run")
    .option("--comment <text>", "a comment kept with the vote")
    .action(action(decide("reject")));
}

async function list(
  ctx: Context,
  opts: { status: (typeof STATUSES)[number]; limit: number; mine?: boolean } & PageOptions,
) {
  const page = await pagesAsked(opts, "aob approvals list", async (cursor) => {
    const query = {
      status: opts.status,
      limit: String(opts.limit),
      ...(opts.mine ? { for: "me" as const } : {}),
      ...(cursor ? { cursor } : {}),
    };
    const body = await call(ctx.api.approvals.$get({ query }));
    return { items: body.approvals, nextCursor: body.nextCursor };
  });
  if (ctx.json) printJson({ approvals: page.items, nextCursor: page.nextCursor });
  else
    printTable(
      ["run", "node", "workflow", "status", "votes", "created", "context", "message"],
      page.items.map((a) => [
        a.runId,
        a.nodeId,
        a.workflowId,
        a.status,
        `${a.votes.filter((v) => v.decision === "approve").length}/${a.required}`,
        formatTime(a.createdAt),
        contextOf(a),
        brief(a.message, 60),
      ]),
      `no ${opts.status} approvals`,
    );
  return undefined;
}

/** Where an approval sits: its loop iteration, and the parent run (and item) of a child run. */
function contextOf(a: {
  iteration: number | null;
  parent: { runId: string; nodeId: string; item?: number } | null;
}): string {
  const parts: string[] = [];
  if (a.iteration !== null && a.iteration > 0) parts.push(`iteration ${a.iteration}`);
  if (a.parent) {
    const item = a.parent.item === undefined ? "" : ` item ${a.parent.item}`;
    parts.push(`child of ${a.parent.runId} ${a.parent.nodeId}${item}`);
  }
  return parts.join("; ");
}

function decide(decision: VoteDecision) {
  return async (
    ctx: Context,
    runId: string,
    nodeId: string,
    opts: { comment?: string; data?: string },
  ) => {
    const body: Decision = { decision };
    if (opts.comment !== undefined) body.comment = opts.comment;
    if (opts.data !== undefined) body.data = parseJsonOption(opts.data, "--data");
    const approval = await call(
      ctx.api.runs[":id"].approvals[":nodeId"].$post({ param: { id: runId, nodeId }, json: body }),
    );
    if (ctx.json) printJson(approval);
    else {
      // The route passes the RunObject's answer through untyped; read the one field shown.
      const parsed = Decided.safeParse(approval);
      const state = parsed.success ? `; the approval is ${parsed.data.status}` : "";
      say(`${decision === "approve" ? "approved" : "rejected"} ${nodeId} of run ${runId}${state}`);
    }
    return undefined;
  };
}
