/**
 * `npm run check`: Biome (format + lint), tsc for every tsconfig, the import directions, the
 * OpenAPI document under Redocly's recommended rules, and `wrangler deploy --dry-run`.
 */
// First, as in scripts/openapi.ts: zod must be extended before ./lib makes core's schemas.
import "@hono/zod-openapi";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWasm, buildWeb, LAYERED_FOLDERS, npx, ROOT } from "./lib";
import { openApiJson } from "./openapi";

buildWasm();
buildWeb();
const steps: [string, string[]][] = [
  ["biome", ["biome", "ci", "--colors=off", "."]],
  ["tsc (worker)", ["tsc", "--noEmit", "-p", "tsconfig.json"]],
  [
    "tsc (core alone: no platform, DOM or Node types)",
    ["tsc", "--noEmit", "-p", "core/tsconfig.json"],
  ],
  ["tsc (node: cli, scripts, tests)", ["tsc", "--noEmit", "-p", "tsconfig.node.json"]],
  ["tsc (web)", ["tsc", "--noEmit", "-p", "web/tsconfig.json"]],
  [
    "layers (.dependency-cruiser.cjs)",
    ["depcruise", ...LAYERED_FOLDERS, "--config", ".dependency-cruiser.cjs"],
  ],
  [
    "wrangler deploy --dry-run",
    ["wrangler", "deploy", "--dry-run", "--outdir", ".wrangler/dry-run"],
  ],
];
for (const [name, args] of steps) {
  console.log(`check: ${name}`);
  npx(args);
}
// The document the Worker serves at /openapi.json, built here from the same declarations, then
// linted (redocly.yaml: every warning is an error; the exceptions are listed with their reasons
// in .redocly.lint-ignore.yaml). The file stays for reading: .wrangler/openapi.json.
console.log("check: OpenAPI document (redocly.yaml)");
mkdirSync(join(ROOT, ".wrangler"), { recursive: true });
writeFileSync(join(ROOT, ".wrangler", "openapi.json"), await openApiJson());
npx(["redocly", "lint", "--config", "redocly.yaml"], { quiet: true });
// `wrangler types --check` also reads a local .dev.vars, so it disagrees between machines:
// regenerate from the committed inputs and compare instead.
console.log("check: worker-configuration.d.ts is up to date");
const typesFile = join(ROOT, "worker-configuration.d.ts");
const committed = readFileSync(typesFile, "utf8");
npx(["wrangler", "types", "--env-file", ".dev.vars.example", "--strict-vars", "false"], {
  quiet: true,
});
if (readFileSync(typesFile, "utf8") !== committed) {
  writeFileSync(typesFile, committed);
  throw new Error("worker-configuration.d.ts is out of date: run `npm run types` and commit it");
}
// drizzle-kit diffs db/schema.ts against the last snapshot in migrations/meta: a schema change
// without its migration, or a snapshot chain a merge broke, makes it write a new one. Run on a
// copy, so nothing is written here.
console.log("check: migrations match db/schema.ts (drizzle-kit generate)");
const copy = mkdtempSync(join(tmpdir(), "aob-migrations-"));
try {
  cpSync(join(ROOT, "migrations"), copy, { recursive: true });
  const before = readdirSync(copy).length;
  npx(
    ["drizzle-kit", "generate", "--dialect", "sqlite", "--schema", "db/schema.ts", "--out", copy],
    {
      quiet: true,
    },
  );
  if (readdirSync(copy).length !== before) {
    throw new Error(
      "db/schema.ts differs from the migrations: run `npm run db:generate` and commit the new migration",
    );
  }
} finally {
  rmSync(copy, { recursive: true, force: true });
}
console.log("check: all passed");
