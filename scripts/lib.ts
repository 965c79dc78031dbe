import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { toolInputSchema } from "../core/workflow/tool";
import { validateWorkflow } from "../core/workflow/validate";

export const ROOT = join(import.meta.dirname, "..");

/** Environment for every wrangler call: quiet and offline. */
export const QUIET_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  NO_COLOR: "1",
  CI: process.env.CI ?? "1",
};

export function run(cmd: string, args: string[], opts: { quiet?: boolean } = {}): void {
  const res = spawnSync(cmd, args, {
    cwd: ROOT,
    env: QUIET_ENV,
    stdio: opts.quiet ? ["ignore", "pipe", "pipe"] : "inherit",
    encoding: "utf8",
  });
  if (res.status !== 0) {
    if (opts.quiet) process.stderr.write(`${res.stdout ?? ""}${res.stderr ?? ""}`);
    throw new Error(`${cmd} ${args.join(" ")} exited with ${res.status}`);
  }
}

export const npx = (args: string[], opts: { quiet?: boolean } = {}) => run("npx", args, opts);

export function buildWasm(): void {
  npx(["asc", "--config", "wasm/asconfig.json", "--target", "release"], { quiet: true });
}

export function buildWeb(): void {
  npx(["vite", "build", "--config", "web/vite.config.ts", "--logLevel", "warn"]);
}

/** Reads a dotenv-style file into a map (no interpolation, like wrangler's .dev.vars). */
export function readVars(path: string): Map<string, string> {
  const vars = new Map<string, string>();
  if (!existsSync(path)) return vars;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = line.match(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/);
    if (m?.[1]) vars.set(m[1], m[2]!.replace(/^"(.*)"$/, "$1"));
  }
  return vars;
}

/**
 * Makes sure `.dev.vars` exists and holds an AOB_API_KEY: kept when set, else generated.
 * Returns the key.
 */
export function ensureDevVars(path = join(ROOT, ".dev.vars")): string {
  if (!existsSync(path)) writeFileSync(path, readFileSync(join(ROOT, ".dev.vars.example"), "utf8"));
  ensureVar(path, "AOB_SECRETS_KEY", () => randomBytes(32).toString("base64"));
  const key = readVars(path).get("AOB_API_KEY");
  if (key) return key;
  const generated = `aob_dev_${randomBytes(24).toString("base64url")}`;
  const text = readFileSync(path, "utf8");
  const next = /^AOB_API_KEY=.*$/m.test(text)
    ? text.replace(/^AOB_API_KEY=.*$/m, `AOB_API_KEY=${generated}`)
    : `${text.trimEnd()}\nAOB_API_KEY=${generated}\n`;
  writeFileSync(path, next, { mode: 0o600 });
  return generated;
}

/** Sets NAME in a dotenv file when it is missing or empty. */
function ensureVar(path: string, name: string, make: () => string): void {
  if (readVars(path).get(name)) return;
  const text = readFileSync(path, "utf8");
  const line = new RegExp(`^${name}=.*$`, "m");
  const next = line.test(text)
    ? text.replace(line, `${name}=${make()}`)
    : `${text.trimEnd()}\n${name}=${make()}\n`;
  writeFileSync(path, next, { mode: 0o600 });
}

const sql = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * SQL that seeds the local tenant, its admin user, the dev key (its hash) and the sample workflows. Idempotent:
 * INSERT OR IGNORE on fixed ids, and the key row is replaced when the key changed.
 */
export function seedSql(key: string): string {
  const hash = createHash("sha256").update(key).digest("hex");
  const now = Date.now();
  const lines = [
    `INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES ('local', 'Local development', ${now});`,
    // The local admin (docs/PEOPLE.md): the development key is theirs.
    `INSERT OR IGNORE INTO users (id, tenant_id, name, email, roles, created_at) VALUES ('usr_local_admin', 'local', 'Local admin', NULL, '["admin"]', ${now});`,
    `INSERT OR REPLACE INTO api_keys (id, tenant_id, user_id, name, key_hash, scopes, created_at) VALUES ('key_local_dev', 'local', 'usr_local_admin', 'local development key', ${sql(hash)}, '["read","run","edit","approve","admin"]', ${now});`,
  ];
  for (const file of readdirSync(join(ROOT, "samples"))
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const text = readFileSync(join(ROOT, "samples", file), "utf8");
    const def = JSON.parse(text) as { name: string; description?: string };
    const id = `wf_sample_${file.replace(/\.json$/, "").replaceAll("-", "_")}`;
    // What the API writes with a version: a sample with `exposeAsTool` is an MCP tool too.
    const checked = validateWorkflow(def);
    const tool = checked.ok ? toolInputSchema(checked.definition) : null;
    lines.push(
      `INSERT OR IGNORE INTO workflows (id, tenant_id, name, description, latest_version, created_at, updated_at, tool_input_schema) VALUES (${sql(id)}, 'local', ${sql(def.name)}, ${def.description ? sql(def.description) : "NULL"}, 1, ${now}, ${now}, ${tool ? sql(JSON.stringify(tool)) : "NULL"});`,
      `INSERT OR IGNORE INTO workflow_versions (workflow_id, version, definition, created_at) VALUES (${sql(id)}, 1, ${sql(JSON.stringify(def))}, ${now});`,
    );
  }
  return `${lines.join("\n")}\n`;
}

export function spawnWrangler(args: string[]) {
  return spawn("npx", ["wrangler", ...args], {
    cwd: ROOT,
    env: QUIET_ENV,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export async function waitForHealth(url: string, deadlineMs: number): Promise<unknown> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return await res.json();
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`aob did not become healthy at ${url} within ${deadlineMs} ms: ${String(last)}`);
}

/** The folders whose imports `.dependency-cruiser.cjs` checks (ARCHITECTURE.md, "Layers"). */
export const LAYERED_FOLDERS = [
  "core",
  "db",
  "wasm",
  "platform",
  "durable-objects",
  "workers",
  "cli",
  "web/src",
];
