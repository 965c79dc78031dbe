/** `npm run check`: Biome (format + lint), tsc for every tsconfig, and `wrangler deploy --dry-run`. */
import { buildWasm, buildWeb, npx } from "./lib";

buildWasm();
buildWeb();
const steps: [string, string[]][] = [
  ["biome", ["biome", "ci", "--colors=off", "."]],
  ["tsc (worker)", ["tsc", "--noEmit", "-p", "tsconfig.json"]],
  ["tsc (node: cli, scripts, tests)", ["tsc", "--noEmit", "-p", "tsconfig.node.json"]],
  ["tsc (web)", ["tsc", "--noEmit", "-p", "web/tsconfig.json"]],
  [
    "wrangler types --check",
    ["wrangler", "types", "--env-file", ".dev.vars.example", "--strict-vars", "false", "--check"],
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
console.log("check: all passed");
