/**
 * `npm run sim`: the engine simulation (docs/RELIABILITY.md) outside CI's 40 seeds.
 *   npm run sim -- --seed 186                  replays one seed exactly, printing its trace on failure
 *   npm run sim -- --cases 5000 --first 1000   runs seeds 1000..5999
 *   npm run sim -- --cases 100000 --minutes 30 searches for half an hour
 *   npm run sim -- --seed 186 --faults crash,writeFails   only these fault kinds (a shrunk case)
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { QUIET_ENV, ROOT } from "./lib";

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    cases: { type: "string" },
    first: { type: "string" },
    minutes: { type: "string" },
    faults: { type: "string" },
  },
});
const { faults, ...numbers } = values;
if (faults !== undefined && !/^[a-zA-Z,]*$/.test(faults)) {
  console.error(
    `--faults takes fault kinds separated by commas (docs/RELIABILITY.md), not "${faults}"`,
  );
  process.exit(2);
}
for (const [name, value] of Object.entries(numbers)) {
  if (value !== undefined && !/^\d+$/.test(value)) {
    console.error(`--${name} takes a whole number, not "${value}"`);
    process.exit(2);
  }
}
/**
 * One vitest process per chunk of seeds: a process that opens thousands of objects runs out of
 * stack inside vitest-pool-workers (seen after ~15 minutes), so a long search goes in chunks
 * and adds up their summaries (the `{"sim":…}` line each prints).
 */
const CHUNK = 1_000;

interface Summary {
  first: number;
  cases: number;
  runs: number;
  compared: number;
  seconds: number;
  faults: Record<string, number>;
}

function chunk(first: string, cases: string, minutes: string) {
  const result = spawnSync(
    "npx",
    ["vitest", "run", "--project", "workerd", "test/workerd/sim.test.ts"],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      env: {
        ...QUIET_ENV,
        SIM_SEED: values.seed ?? "",
        SIM_CASES: cases,
        SIM_FIRST: first,
        SIM_MINUTES: minutes,
        SIM_FAULTS: faults ?? "",
      },
    },
  );
  process.stdout.write(result.stdout ?? "");
  const line = (result.stdout ?? "").split("\n").find((l) => l.startsWith('{"sim":'));
  const summary = line ? (JSON.parse(line) as { sim: Summary }).sim : null;
  return { status: result.status ?? 1, summary };
}

const cases = Number(values.cases ?? 0);
if (values.seed !== undefined || cases <= CHUNK) {
  const { status } = chunk(values.first ?? "", values.cases ?? "", values.minutes ?? "");
  process.exit(status);
}
const started = Date.now();
const deadline = values.minutes ? started + Number(values.minutes) * 60_000 : Infinity;
const first = Number(values.first ?? 1);
const total: Summary = { first, cases: 0, runs: 0, compared: 0, seconds: 0, faults: {} };
for (let at = first; at < first + cases && Date.now() < deadline; at += CHUNK) {
  const n = Math.min(CHUNK, first + cases - at);
  const left = deadline === Infinity ? "" : String(Math.max(1, (deadline - Date.now()) / 60_000));
  const { status, summary } = chunk(String(at), String(n), left);
  if (status !== 0 || !summary) process.exit(status || 1);
  total.cases += summary.cases;
  total.runs += summary.runs;
  total.compared += summary.compared;
  for (const [k, v] of Object.entries(summary.faults)) total.faults[k] = (total.faults[k] ?? 0) + v;
}
total.seconds = Math.round((Date.now() - started) / 1000);
console.log(JSON.stringify({ sim: total }));
