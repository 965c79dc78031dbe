import type { Command } from "commander";
import { call } from "../client";
import { action, leaf } from "../command";
import type { Context } from "../context";
import { UsageError } from "../errors";
import { printJson, say } from "../output";
import { resolveWorkflow } from "./resolve";

interface SetOptions {
  webhook?: boolean;
  rotateToken?: boolean;
  cron?: string | false;
  signature?: boolean;
  rotateSigningSecret?: boolean;
}

/** `aob triggers get|set WORKFLOW`: a workflow's webhook (and its signing) and cron schedule. */
export function registerTriggers(program: Command): void {
  const group = program
    .command("triggers")
    .description("a workflow's webhook, webhook signing and cron schedule");
  leaf(group, "get <workflow>", "show whether the webhook, signing and a schedule are on").action(
    action(get),
  );
  leaf(
    group,
    "set <workflow>",
    "change the triggers; a new webhook URL or signing secret is printed this once",
  )
    .option("--webhook", "turn the webhook on (issues its URL if there is none)")
    .option("--no-webhook", "remove the webhook (and its signing secret)")
    .option("--rotate-token", "issue a new webhook URL; the old one stops working")
    .option("--cron <expression>", 'a 5-field cron expression in UTC, e.g. "*/15 * * * *"')
    .option("--no-cron", "remove the schedule")
    .option("--signature", "require signed deliveries (issues a signing secret if there is none)")
    .option("--no-signature", "accept unsigned deliveries again (deletes the signing secret)")
    .option("--rotate-signing-secret", "issue a new signing secret; the old one stops working")
    .action(action(set));
}

async function get(ctx: Context, ref: string) {
  const id = await resolveWorkflow(ctx, ref);
  const body = await call(ctx.api.workflows[":id"].triggers.$get({ param: { id } }));
  if (ctx.json) printJson(body);
  else show(body);
  return undefined;
}

async function set(ctx: Context, ref: string, opts: SetOptions) {
  const json = {
    ...(opts.webhook === undefined ? {} : { webhook: opts.webhook }),
    ...(opts.rotateToken ? { rotateToken: true } : {}),
    ...(opts.cron === undefined ? {} : { cron: opts.cron === false ? null : opts.cron }),
    ...(opts.signature === undefined ? {} : { signature: opts.signature }),
    ...(opts.rotateSigningSecret ? { rotateSigningSecret: true } : {}),
  };
  if (Object.keys(json).length === 0) {
    throw new UsageError(
      "nothing to change: give --webhook, --no-webhook, --rotate-token, --cron, --no-cron, --signature, --no-signature or --rotate-signing-secret",
    );
  }
  const id = await resolveWorkflow(ctx, ref);
  const body = await call(ctx.api.workflows[":id"].triggers.$put({ param: { id }, json }));
  if (ctx.json) {
    printJson(body);
    return undefined;
  }
  show(body);
  if (body.webhookUrl) say(`webhook URL (shown once, keep it secret): ${body.webhookUrl}`);
  if (body.signingSecret) {
    say(`signing secret (shown once): ${body.signingSecret}`);
    say("sign each delivery: X-Aob-Timestamp and X-Aob-Signature, see docs/API.md");
  }
  return undefined;
}

function show(t: {
  workflowId: string;
  webhook: boolean;
  signature: boolean;
  cron: string | null;
}) {
  say(`workflow ${t.workflowId}`);
  say(
    `webhook:   ${t.webhook ? (t.signature ? "on, signed deliveries only" : "on, unsigned") : "off"}`,
  );
  say(`schedule:  ${t.cron ?? "none"}`);
}
