import type { Command } from "commander";
import { call, callEmpty } from "../client";
import { action, leaf } from "../command";
import type { Context } from "../context";
import { UsageError } from "../errors";
import { readSource } from "../input";
import { formatTime, printJson, printTable, say } from "../output";
import { everyPage } from "../paging";
import { askSecret } from "../prompt";

const UNBOUND = "unbound (any host)";

/** `aob secrets list|set|hosts|delete`: tenant secrets and the hosts each may be sent to. */
export function registerSecrets(program: Command): void {
  const group = program
    .command("secrets")
    .description(
      "set and delete secrets, and bind each to the hosts it may be sent to (edit scope)",
    );
  leaf(
    group,
    "list",
    "list secrets (never their values) with the hosts each may be sent to",
  ).action(action(list));
  leaf(group, "set <name>", "set a secret's value (and optionally its hosts)")
    .option("--value <value>", "the value; `-` reads it from stdin (keeps it out of `ps`)")
    .option(
      "--allowed-hosts <hosts>",
      "comma-separated hosts it may be sent to (api.example.com,*.example.com); omitted: keep the current binding",
    )
    .option("--unbind", "let it be sent to any host")
    .action(action(set));
  leaf(group, "hosts <name> [hosts...]", "bind a secret to hosts (or --unbind it); the value stays")
    .option("--unbind", "let it be sent to any host")
    .action(action(hosts));
  leaf(group, "delete <name>", "remove a secret").action(action(remove));
}

/**
 * Host lists as typed: separate arguments, commas, or both; blanks around and empty items
 * (a trailing comma) dropped. The API checks each entry and reports it by index.
 * @example
 * splitHosts(["api.stripe.com,*.stripe.com", "hooks.example.com"]);
 * // ["api.stripe.com", "*.stripe.com", "hooks.example.com"]
 */
export function splitHosts(items: readonly string[]): string[] {
  return items.flatMap((item) => item.split(",").map((h) => h.trim())).filter((h) => h !== "");
}

/** "api.stripe.com, *.stripe.com", or that the secret may go anywhere. */
function describeBinding(allowedHosts: readonly string[] | null): string {
  return allowedHosts === null ? UNBOUND : allowedHosts.join(", ");
}

async function list(ctx: Context) {
  const secrets = await everyPage(async (cursor) => {
    const page = await call(ctx.api.secrets.$get({ query: cursor ? { cursor } : {} }));
    return { items: page.secrets, nextCursor: page.nextCursor };
  });
  const body = { secrets };
  if (ctx.json) {
    printJson(body);
    return undefined;
  }
  printTable(
    ["name", "hosts", "updated"],
    body.secrets.map((s) => [s.name, describeBinding(s.allowedHosts), formatTime(s.updatedAt)]),
    "no secrets yet: add one with `aob secrets set NAME --value -`",
  );
  const unbound = body.secrets.filter((s) => !s.bound).length;
  if (unbound > 0) {
    say(
      `\n${unbound} unbound secret(s) may be sent to any host; bind one with \`aob secrets hosts NAME HOST...\``,
    );
  }
  return undefined;
}

/** The value from `--value`, stdin (`--value -`), or a prompt at a terminal. */
async function readValue(ctx: Context, value: string | undefined): Promise<string> {
  if (value === "-") return readSource("-", "the secret's value").replace(/\r?\n$/, "");
  if (value !== undefined) return value;
  if (ctx.interactive) return askSecret("value: ");
  throw new UsageError("give the value with --value VALUE or --value - (stdin)");
}

async function set(
  ctx: Context,
  name: string,
  opts: { value?: string; allowedHosts?: string; unbind?: boolean },
) {
  if (opts.unbind && opts.allowedHosts !== undefined) {
    throw new UsageError("--allowed-hosts and --unbind contradict each other: give one");
  }
  const value = await readValue(ctx, opts.value);
  if (value === "") throw new UsageError("the value is empty");
  const json: { value: string; allowedHosts?: string[] | null } = { value };
  if (opts.unbind) json.allowedHosts = null;
  else if (opts.allowedHosts !== undefined) json.allowedHosts = splitHosts([opts.allowedHosts]);
  const saved = await call(ctx.api.secrets[":name"].$put({ param: { name }, json }));
  if (ctx.json) printJson(saved);
  else say(`set ${name}; ${sentTo(name, saved.allowedHosts)}`);
  return undefined;
}

async function hosts(ctx: Context, name: string, items: string[], opts: { unbind?: boolean }) {
  if (opts.unbind && items.length > 0) {
    throw new UsageError("give hosts or --unbind, not both");
  }
  if (!opts.unbind && items.length === 0) {
    throw new UsageError("give the hosts the secret may be sent to, or --unbind");
  }
  const allowedHosts = opts.unbind ? null : splitHosts(items);
  const saved = await call(
    ctx.api.secrets[":name"].$patch({ param: { name }, json: { allowedHosts } }),
  );
  if (ctx.json) printJson(saved);
  else say(`${name}: ${sentTo(name, saved.allowedHosts)}`);
  return undefined;
}

function sentTo(name: string, allowedHosts: readonly string[] | null): string {
  return allowedHosts === null
    ? `unbound: it may be sent to any host (bind it with \`aob secrets hosts ${name} HOST...\`)`
    : `it may be sent only to ${allowedHosts.join(", ")}`;
}

async function remove(ctx: Context, name: string) {
  await callEmpty(ctx.api.secrets[":name"].$delete({ param: { name } }));
  if (ctx.json) printJson({ name, deleted: true });
  else say(`deleted ${name}`);
  return undefined;
}
