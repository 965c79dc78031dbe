/** `npm run check`: Biome (format + lint), tsc for every tsconfig, and `wrangler deploy --dry-run`. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildWasm, buildWeb, LAYERED_FOLDERS, npx, ROOT } from "./lib";

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
console.log("check: all passed");
