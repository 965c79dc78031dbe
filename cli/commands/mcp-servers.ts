import type { Command } from "commander";
import { call, callEmpty } from "../client";
import { action, leaf } from "../command";
import type { Context } from "../context";
import { UsageError } from "../errors";
import { formatTime, printJson, printTable, say } from "../output";

/** `aob mcp-servers list|set|delete`: the MCP servers agents use tools of (docs/AGENTS.md). */
export function registerMcpServers(program: Command): void {
  const group = program
    .command("mcp-servers")
    .description("MCP servers whose tools agents may use (edit scope to change)");
  leaf(group, "list", "the tenant's MCP servers, with their headers as written").action(
    action(list),
  );
  leaf(group, "set <name> <url>", "register an MCP server (Streamable HTTP), or replace one")
    .option(
      "--header <header>",
      "a header sent with every request, `name: value`; write a credential as {{ secrets.NAME }} (repeatable)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      "--tools <tools>",
      'the tools agents may use, comma-separated; "all" (the default): every tool the server lists',
      "all",
    )
    .option("--effects <tools>", "the tools that change something, comma-separated", "")
    .action(action(set));
  leaf(group, "delete <name>", "remove an MCP server").action(action(remove));
}

/**
 * `--header` values as the API takes them.
 * @example
 * parseHeaders(["authorization: Bearer {{ secrets.GH }}"]); // { authorization: "Bearer {{ secrets.GH }}" }
 */
export function parseHeaders(items: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  items.forEach((item, i) => {
    const colon = item.indexOf(":");
    if (colon <= 0) {
      throw new UsageError(
        `--header #${i + 1} "${item}" is not "name: value" (e.g. --header 'authorization: Bearer {{ secrets.TOKEN }}')`,
      );
    }
    headers[item.slice(0, colon).trim()] = item.slice(colon + 1).trim();
  });
  return headers;
}

const toolList = (raw: string) =>
  raw
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t !== "");

async function list(ctx: Context) {
  const { servers } = await call(ctx.api["mcp-servers"].$get());
  if (ctx.json) printJson({ servers });
  else
    printTable(
      ["name", "url", "headers", "tools", "effects", "updated"],
      servers.map((s) => [
        s.name,
        s.url,
        Object.entries(s.headers)
          .map(([k, v]) => `${k}: ${v}`)
          .join("; ") || "-",
        s.allowedTools?.join(",") ?? "all",
        s.effects.join(",") || "-",
        formatTime(s.updatedAt),
      ]),
      "no MCP servers",
    );
  return undefined;
}

async function set(
  ctx: Context,
  name: string,
  url: string,
  opts: { header: string[]; tools: string; effects: string },
) {
  const server = await call(
    ctx.api["mcp-servers"][":name"].$put({
      param: { name },
      json: {
        url,
        headers: parseHeaders(opts.header),
        allowedTools: opts.tools.trim() === "all" ? null : toolList(opts.tools),
        effects: toolList(opts.effects),
      },
    }),
  );
  if (ctx.json) printJson(server);
  else {
    const tools = server.allowedTools ? server.allowedTools.join(", ") : "every tool it lists";
    const secrets = server.secrets.length > 0 ? `; sends secrets ${server.secrets.join(", ")}` : "";
    say(`MCP server ${server.name} at ${server.host}: ${tools}${secrets}`);
  }
  return undefined;
}

async function remove(ctx: Context, name: string) {
  await callEmpty(ctx.api["mcp-servers"][":name"].$delete({ param: { name } }));
  if (ctx.json) printJson({ deleted: name });
  else say(`removed MCP server ${name}`);
  return undefined;
}
