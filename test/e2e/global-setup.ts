import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { buildWasm, buildWeb, ROOT } from "../../scripts/lib";
import { DevServer } from "../support/dev-server";

/** The newest modification time under a path (files only). */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Builds web/dist when it is missing or older than what it is built from (`npm test` built it). */
function ensureBuilt(): void {
  const wasm = join(ROOT, "wasm", "build", "optimiser.wasm");
  if (!existsSync(wasm)) buildWasm();
  const dist = join(ROOT, "web", "dist", "index.html");
  const sources = ["web/src", "web/index.html", "web/vite.config.ts", "core"].map((p) =>
    join(ROOT, p),
  );
  if (!existsSync(dist) || Math.max(...sources.map(newest)) > statSync(dist).mtimeMs) buildWeb();
}

/**
 * Starts one `wrangler dev` for the whole suite, migrated and seeded with its own API key, and
 * hands its address and key to the tests through the environment. Returns the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  ensureBuilt();
  const dev = new DevServer();
  dev.prepare();
  await dev.start();
  process.env.AOB_E2E_URL = dev.url;
  process.env.AOB_E2E_KEY = dev.key;
  return async () => {
    await dev.stop();
  };
}
