/**
 * `npm start`: build wasm and web, apply D1 migrations locally, seed the dev key and the sample
 * workflows, then run `wrangler dev` on 127.0.0.1:$PORT (8787) with state under .wrangler/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { quietNetwork } from "./inspector";
import {
  buildWasm,
  buildWeb,
  ensureDevVars,
  npx,
  ROOT,
  seedSql,
  spawnWrangler,
  waitForHealth,
} from "./lib";

const port = Number(process.env.PORT ?? 8787);
const persist = join(ROOT, ".wrangler", "state");

const key = ensureDevVars();
console.log("aob: building wasm and web …");
buildWasm();
buildWeb();
console.log("aob: applying D1 migrations and seeding …");
npx(["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
  quiet: true,
});
mkdirSync(join(ROOT, ".wrangler"), { recursive: true });
const seedFile = join(ROOT, ".wrangler", "seed.sql");
writeFileSync(seedFile, seedSql(key));
npx(["wrangler", "d1", "execute", "DB", "--local", "--persist-to", persist, "--file", seedFile], {
  quiet: true,
});

const inspectorPort = port + 1000;
const child = spawnWrangler([
  "dev",
  "--ip",
  "127.0.0.1",
  "--port",
  String(port),
  "--persist-to",
  persist,
  "--inspector-port",
  String(inspectorPort),
  "--show-interactive-dev-session=false",
  // Cron triggers do not fire by themselves locally: GET /cdn-cgi/handler/scheduled should run
  // them, but answers "exception" with this Worker's assets (README, "Two commands").
  "--test-scheduled",
]);
let output = "";
child.stdout.on("data", (d: Buffer) => {
  output += d;
  if (process.env.AOB_VERBOSE) process.stdout.write(d);
  // A reload turns the runtime's network events on again (scripts/inspector.ts).
  if (d.toString().includes("Local server updated and ready")) void quietNetwork(inspectorPort);
});
child.stderr.on("data", (d: Buffer) => {
  output += d;
  process.stderr.write(d);
});
child.on("exit", (code) => {
  if (!process.env.AOB_VERBOSE) process.stdout.write(output.slice(-4000));
  process.exit(code ?? 1);
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill("SIGINT"));

const url = `http://127.0.0.1:${port}`;
await waitForHealth(url, 60_000);
// Large downloads are slow and heavy locally while wrangler records every body it fetches.
const quiet = await quietNetwork(inspectorPort);
console.log(`
aob is running at ${url}
  API key (from .dev.vars): ${key}
  try: curl -H "Authorization: Bearer ${key}" ${url}/api/workflows
Press Ctrl+C to stop. State persists under .wrangler/state.${
  quiet
    ? ""
    : `
  (wrangler's inspector on ${inspectorPort} did not answer: it records every response body the
  Worker fetches, so large downloads are slow here; README, "Known limits of local development")`
}`);
