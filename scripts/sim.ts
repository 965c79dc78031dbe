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
const result = spawnSync(
  "npx",
  ["vitest", "run", "--project", "workerd", "test/workerd/sim.test.ts"],
  {
    cwd: ROOT,
    stdio: "inherit",
    env: {
      ...QUIET_ENV,
      SIM_SEED: values.seed ?? "",
      SIM_CASES: values.cases ?? "",
      SIM_FIRST: values.first ?? "",
      SIM_MINUTES: values.minutes ?? "",
      SIM_FAULTS: faults ?? "",
    },
  },
);
process.exit(result.status ?? 1);
