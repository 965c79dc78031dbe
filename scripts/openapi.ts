/**
 * The API's OpenAPI document, built in Node from the Worker's own route declarations (the same
 * `openApiDocument` that serves `GET /openapi.json`), without starting wrangler.
 *
 * `npx tsx scripts/openapi.ts [FILE]` writes it to FILE (default: stdout). `npm run check` lints
 * it with Redocly (`redocly.yaml`).
 */
// First: @hono/zod-openapi extends zod before any schema is made, and ./lib's seed already
// makes core's schemas (a zod schema made before the extension has no `.openapi`).
import "@hono/zod-openapi";
import { writeFileSync } from "node:fs";
import { register } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, readVars } from "./lib";

/**
 * The one import of the API that Node cannot load: workerd imports a `.wasm` file as a compiled
 * `WebAssembly.Module` (platform/optimiser.ts). This hook does the same from the file's bytes.
 */
const WASM_HOOK = `
export async function load(url, context, next) {
  if (!url.endsWith(".wasm")) return next(url, context);
  return {
    format: "module",
    shortCircuit: true,
    source: 'import { readFileSync } from "node:fs";' +
      'export default new WebAssembly.Module(readFileSync(new URL(import.meta.url)));',
  };
}`;

/** The version wrangler.toml gives the Worker (`[vars] AOB_VERSION`). */
function workerVersion(): string {
  const version = readVars(join(ROOT, "wrangler.toml")).get("AOB_VERSION");
  if (!version) throw new Error("wrangler.toml has no AOB_VERSION");
  return version;
}

/** The document `GET /openapi.json` serves, as JSON text. */
export async function openApiJson(): Promise<string> {
  register(`data:text/javascript,${encodeURIComponent(WASM_HOOK)}`);
  // The entry point's order: @hono/zod-openapi extends zod before any schema is made.
  await import("@hono/zod-openapi");
  const { app } = await import("../workers/api/app");
  const { openApiDocument } = await import("../workers/api/openapi");
  return `${JSON.stringify(openApiDocument(app, workerVersion()), null, 2)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const text = await openApiJson();
  const file = process.argv[2];
  if (file) writeFileSync(file, text);
  else process.stdout.write(text);
}
