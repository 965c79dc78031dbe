import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { buildWasm, buildWeb, ROOT } from "../../scripts/lib";

/** The newest modification time under a path (files only). */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Builds web/dist when it is missing or older than what it is built from (`npm test` built it). */
export function ensureBuilt(): void {
  const wasm = join(ROOT, "wasm", "build", "optimiser.wasm");
  if (!existsSync(wasm)) buildWasm();
  const dist = join(ROOT, "web", "dist", "index.html");
  const sources = ["web/src", "web/index.html", "web/vite.config.ts", "core"].map((p) =>
    join(ROOT, p),
  );
  if (!existsSync(dist) || Math.max(...sources.map(newest)) > statSync(dist).mtimeMs) buildWeb();
}
