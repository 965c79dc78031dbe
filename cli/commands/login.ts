import type { Command } from "commander";
import { call, createClient } from "../client";
import { action, leaf } from "../command";
import { StoredConfig, writeConfig } from "../config";
import type { Context } from "../context";
import { UsageError } from "../errors";
import { readSource } from "../input";
import { printJson, say } from "../output";
import { ask, askSecret } from "../prompt";

const DEFAULT_URL = "http://127.0.0.1:8787";

interface LoginOptions {
  url?: string;
  key?: string;
  verify: boolean;
}

/** `aob login`: checks the key against the API, then stores URL and key with mode 0600. */
export function registerLogin(program: Command): void {
  leaf(program, "login", "store the API URL and key in the config file (mode 0600)")
    .option("--url <url>", `API base URL (default $AOB_URL, else ${DEFAULT_URL})`)
    .option("--key <key>", "API key (default $AOB_API_KEY); `-` reads it from stdin")
    .option("--no-verify", "save without checking the key against the API")
    .action(action(login));
}

async function login(ctx: Context, opts: LoginOptions) {
  // An empty variable counts as unset, as everywhere else.
  let url = opts.url || process.env.AOB_URL || undefined;
  let apiKey = opts.key === "-" ? readKeyFromStdin() : opts.key || process.env.AOB_API_KEY;
  if (!url && ctx.interactive) url = (await ask(`API URL [${DEFAULT_URL}]: `)) || DEFAULT_URL;
  if (!apiKey && ctx.interactive) apiKey = await askSecret("API key: ");
  url ??= DEFAULT_URL;
  if (!apiKey) throw new UsageError("give the key with --key KEY, --key - (stdin) or AOB_API_KEY");
  const parsed = StoredConfig.safeParse({ url: url.replace(/\/+$/, ""), apiKey });
  if (!parsed.success)
    throw new UsageError(`--url must be an http(s) URL, got ${JSON.stringify(url)}`);
  const config = parsed.data;
  if (opts.verify) {
    // Health is public; listing one workflow proves the key is accepted.
    await call(createClient(config).api.workflows.$get({ query: { limit: "1" } }));
  }
  writeConfig(ctx.configPath, config);
  if (ctx.json) printJson({ url: config.url, configPath: ctx.configPath, verified: opts.verify });
  else say(`logged in to ${config.url}; saved to ${ctx.configPath}`);
  return undefined;
}

function readKeyFromStdin(): string {
  return readSource("-", "the API key").trim();
}
