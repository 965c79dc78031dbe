import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import type { Credentials } from "./client";
import { CliError, EXIT } from "./errors";

/** What `aob login` stores. The key is a secret: the file is written with mode 0600. */
export const StoredConfig = z.object({
  url: z.url({ protocol: /^https?$/ }),
  apiKey: z.string().min(1),
});
export type StoredConfig = z.infer<typeof StoredConfig>;

/** The environment variables the CLI reads (AOB_URL, AOB_API_KEY, XDG_CONFIG_HOME). */
type Environment = Readonly<Record<string, string | undefined>>;

/** `$XDG_CONFIG_HOME/aob/config.json`, else `~/.config/aob/config.json`. */
export function defaultConfigPath(env: Environment = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return join(base, "aob", "config.json");
}

/** The stored config, or null when there is none. A damaged file is an error, not a silent reset. */
export function readConfig(path: string): StoredConfig | null {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliError(`cannot read ${path}: ${String(err)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not valid JSON; run \`aob login\` again`);
  }
  const parsed = StoredConfig.safeParse(raw);
  if (!parsed.success) throw new CliError(`${path} is not an aob config; run \`aob login\` again`);
  return parsed.data;
}

/**
 * Writes the config readable by its owner only: the directory 0700, the file 0600, through a
 * temporary file and a rename so a crash never leaves half a key behind.
 */
export function writeConfig(path: string, config: StoredConfig): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // The mode of writeFileSync is filtered by the umask; make it exact.
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/**
 * The URL and key to use: `AOB_URL` and `AOB_API_KEY` override the stored config one by one.
 */
export function resolveCredentials(path: string, env: Environment = process.env): Credentials {
  const stored = readConfig(path);
  const url = env.AOB_URL || stored?.url;
  const apiKey = env.AOB_API_KEY || stored?.apiKey;
  if (!url || !apiKey) {
    throw new CliError(
      "not logged in: run `aob login --url URL --key KEY`, or set AOB_URL and AOB_API_KEY",
      EXIT.failed,
      "not_logged_in",
    );
  }
  return { url: url.replace(/\/+$/, ""), apiKey };
}
