import { type Command, Option } from "commander";
import { ROLES, SCOPES } from "../../core/people/roles";
import { call, callEmpty } from "../client";
import { action, leaf } from "../command";
import type { Context } from "../context";
import { UsageError } from "../errors";
import { formatTime, printJson, printTable, say } from "../output";
import { everyPage } from "../paging";

/** A comma-separated list of allowed words, or a usage error naming the bad one. */
function listOf<T extends string>(allowed: readonly T[], what: string) {
  return (raw: string): T[] => {
    const items = raw
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    for (const item of items) {
      if (!allowed.includes(item as T)) {
        throw new UsageError(`unknown ${what} "${item}": one of ${allowed.join(", ")}`);
      }
    }
    if (items.length === 0) throw new UsageError(`name at least one ${what}`);
    return items as T[];
  };
}

const roles = listOf(ROLES, "role");
const scopes = listOf(SCOPES, "scope");

/**
 * `aob users ...`, `aob keys ...` and `aob whoami`: the people of a tenant, their roles and
 * keys (docs/PEOPLE.md).
 */
export function registerUsers(program: Command): void {
  leaf(program, "whoami", "the user and key this CLI acts as, and what it may do").action(
    action(whoami),
  );
  const group = program.command("users").description("the tenant's people, their roles and keys");
  leaf(group, "list", "users, oldest first (deleted ones marked)").action(action(list));
  leaf(group, "add <name>", "add a user (admin)")
    .option("--email <email>", "their email (approvals may name it)")
    .addOption(
      new Option("--roles <roles>", `comma-separated: ${ROLES.join(", ")}`)
        .argParser(roles)
        .makeOptionMandatory(),
    )
    .action(action(add));
  leaf(group, "update <id>", "change a user's name, email or roles (admin)")
    .option("--name <name>", "a new name")
    .option("--email <email>", "a new email (`none` removes it)")
    .addOption(
      new Option("--roles <roles>", `comma-separated: ${ROLES.join(", ")}`).argParser(roles),
    )
    .action(action(update));
  leaf(group, "delete <id>", "delete a user: their keys are revoked at once (admin)").action(
    action(remove),
  );
  leaf(group, "key <id> <name>", "make an API key for a user, printed this once (admin)")
    .addOption(
      new Option("--scopes <scopes>", `comma-separated: ${SCOPES.join(", ")}`)
        .argParser(scopes)
        .makeOptionMandatory(),
    )
    .action(action(makeKey));
  leaf(group, "keys <id>", "a user's keys, never their secrets (admin)").action(action(keysOf));
  const keys = program.command("keys").description("API keys (admin)");
  leaf(keys, "revoke <id>", "revoke a key: its sessions and sockets end now").action(
    action(revoke),
  );
}

async function whoami(ctx: Context) {
  const me = await call(ctx.api.sessions.current.$get());
  if (ctx.json) printJson(me);
  else {
    const email = me.user.email ? ` <${me.user.email}>` : "";
    say(`${me.user.name}${email} (${me.user.id}), roles ${me.user.roles.join(", ")}`);
    say(`key ${me.keyName} (${me.keyId}) in tenant ${me.tenantId}: ${me.scopes.join(", ")}`);
  }
  return undefined;
}

async function list(ctx: Context) {
  const users = await everyPage(async (cursor) => {
    const page = await call(ctx.api.users.$get({ query: cursor ? { cursor } : {} }));
    return { items: page.users, nextCursor: page.nextCursor };
  });
  if (ctx.json) printJson({ users });
  else
    printTable(
      ["id", "name", "email", "roles", "created", "deleted"],
      users.map((u) => [
        u.id,
        u.name,
        u.email ?? "",
        u.roles.join(","),
        formatTime(u.createdAt),
        u.deletedAt === null ? "" : formatTime(u.deletedAt),
      ]),
      "no users",
    );
  return undefined;
}

async function add(
  ctx: Context,
  name: string,
  opts: { email?: string; roles: (typeof ROLES)[number][] },
) {
  const user = await call(
    ctx.api.users.$post({
      json: { name, roles: opts.roles, ...(opts.email ? { email: opts.email } : {}) },
    }),
  );
  if (ctx.json) printJson(user);
  else say(`added ${user.name} (${user.id}), roles ${user.roles.join(", ")}`);
  return undefined;
}

async function update(
  ctx: Context,
  id: string,
  opts: { name?: string; email?: string; roles?: (typeof ROLES)[number][] },
) {
  const json = {
    ...(opts.name === undefined ? {} : { name: opts.name }),
    ...(opts.email === undefined ? {} : { email: opts.email === "none" ? null : opts.email }),
    ...(opts.roles === undefined ? {} : { roles: opts.roles }),
  };
  if (Object.keys(json).length === 0) throw new UsageError("give --name, --email or --roles");
  const user = await call(ctx.api.users[":id"].$patch({ param: { id }, json }));
  if (ctx.json) printJson(user);
  else say(`${user.name} (${user.id}): roles ${user.roles.join(", ")}`);
  return undefined;
}

async function remove(ctx: Context, id: string) {
  await callEmpty(ctx.api.users[":id"].$delete({ param: { id } }));
  if (ctx.json) printJson({ deleted: id });
  else say(`deleted user ${id}; their keys are revoked`);
  return undefined;
}

async function makeKey(
  ctx: Context,
  id: string,
  name: string,
  opts: { scopes: (typeof SCOPES)[number][] },
) {
  const key = await call(
    ctx.api.users[":id"].keys.$post({ param: { id }, json: { name, scopes: opts.scopes } }),
  );
  if (ctx.json) printJson(key);
  else {
    say(`key ${key.name} (${key.id}) for ${id}, scopes ${key.scopes.join(", ")}:`);
    say(key.key);
    say("(shown this once: store it now)");
  }
  return undefined;
}

async function keysOf(ctx: Context, id: string) {
  const keys = await everyPage(async (cursor) => {
    const page = await call(
      ctx.api.users[":id"].keys.$get({ param: { id }, query: cursor ? { cursor } : {} }),
    );
    return { items: page.keys, nextCursor: page.nextCursor };
  });
  if (ctx.json) printJson({ keys });
  else
    printTable(
      ["id", "name", "scopes", "created", "revoked"],
      keys.map((k) => [
        k.id,
        k.name,
        k.scopes.join(","),
        formatTime(k.createdAt),
        k.revokedAt === null ? "" : formatTime(k.revokedAt),
      ]),
      "no keys",
    );
  return undefined;
}

async function revoke(ctx: Context, id: string) {
  await callEmpty(ctx.api.keys[":id"].$delete({ param: { id } }));
  if (ctx.json) printJson({ revoked: id });
  else say(`revoked key ${id}`);
  return undefined;
}
