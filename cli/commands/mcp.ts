import type { Command } from "commander";
import { action, leaf } from "../command";
import type { Context } from "../context";
import { printJson, warn } from "../output";

interface ConfigOptions {
  name: string;
  key: boolean;
}

/** `aob mcp config`: what an MCP client needs to reach this aob's `/mcp` (docs/MCP.md). */
export function registerMcp(program: Command): void {
  const mcp = program.command("mcp").description("aob as an MCP server (docs/MCP.md)");
  leaf(
    mcp,
    "config",
    "print the `mcpServers` entry an MCP client (Cursor, Claude Code, ...) needs: the URL of /mcp and your key",
  )
    .option("--name <name>", "the server's name in the entry", "aob")
    .option("--no-key", "write a placeholder instead of the API key")
    .action(action(config));
}

async function config(ctx: Context, opts: ConfigOptions) {
  const { url, apiKey } = ctx.credentials();
  const entry = {
    mcpServers: {
      [opts.name]: {
        type: "http",
        url: `${url}/mcp`,
        headers: { Authorization: `Bearer ${opts.key ? apiKey : "<your aob API key>"}` },
      },
    },
  };
  printJson(entry);
  if (!ctx.json && opts.key) {
    warn("It holds your API key: keep the file it goes in private (or use --no-key).");
  }
  return undefined;
}
