import type { Command } from "commander";
import { call } from "../client";
import { action, leaf } from "../command";
import type { Context } from "../context";
import { EXIT, UsageError } from "../errors";
import { printJson, say } from "../output";
import { ask } from "../prompt";

/** `aob tenant delete`: all of the tenant's data (docs/LIFECYCLE.md). */
export function registerTenant(program: Command): void {
  const group = program.command("tenant").description("the tenant as a whole");
  leaf(group, "delete", "delete ALL of the tenant's data: runs, workflows, secrets, keys (admin)")
    .option("--confirm <tenant-id>", "the tenant's id, typed again (needed without a terminal)")
    .action(action(remove));
}

async function remove(ctx: Context, opts: { confirm?: string }) {
  let confirm = opts.confirm;
  if (confirm === undefined) {
    if (!ctx.interactive) {
      throw new UsageError("deleting all of the tenant's data: confirm with --confirm <tenant-id>");
    }
    const me = await call(ctx.api.sessions.current.$get());
    say(`This deletes every run, workflow, secret and key of tenant ${me.tenantId}, for good.`);
    confirm = await ask(`Type the tenant's id (${me.tenantId}) to confirm: `);
    if (confirm !== me.tenantId) {
      say("nothing deleted");
      return EXIT.failed;
    }
  }
  const body = await call(ctx.api.tenant.$delete({ json: { confirm } }));
  if (ctx.json) printJson(body);
  else
    say(
      `tenant ${body.tenantId} is being deleted: its keys no longer work; the sweep deletes its ${body.runs} runs and ${body.workflows} workflows (200 runs a minute)`,
    );
  return undefined;
}
