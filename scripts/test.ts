/**
 * `npm test`: builds what the tests need, runs every vitest project (Node and workerd) and the
 * browser suite when it exists, and ends with the line `N passed, N failed` that CI reads.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildWasm, buildWeb, QUIET_ENV, ROOT } from "./lib";

buildWasm();
buildWeb();

const out = join(ROOT, "test-results");
mkdirSync(out, { recursive: true });
const extra = process.argv.slice(2);

let passed = 0;
let failed = 0;

const vitestJson = join(out, "vitest.json");
const vitest = spawnSync(
  "npx",
  [
    "vitest",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${vitestJson}`,
    ...extra,
  ],
  { cwd: ROOT, env: QUIET_ENV, stdio: "inherit" },
);
if (existsSync(vitestJson)) {
  const report = JSON.parse(readFileSync(vitestJson, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    numTotalTests: number;
  };
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A suite that failed to load has no failed test but still failed.
  if (vitest.status !== 0 && report.numFailedTests === 0) failed += 1;
} else if (vitest.status !== 0) {
  failed += 1;
}

const e2eConfig = join(ROOT, "playwright.config.ts");
if (existsSync(e2eConfig) && extra.length === 0) {
  const e2eJson = join(out, "playwright.json");
  const e2e = spawnSync("npx", ["playwright", "test", "--reporter=list,json"], {
    cwd: ROOT,
    env: { ...QUIET_ENV, PLAYWRIGHT_JSON_OUTPUT_NAME: e2eJson },
    stdio: "inherit",
  });
  if (existsSync(e2eJson)) {
    const report = JSON.parse(readFileSync(e2eJson, "utf8")) as {
      stats: { expected: number; unexpected: number; flaky: number };
    };
    passed += report.stats.expected;
    failed += report.stats.unexpected + report.stats.flaky;
  } else if (e2e.status !== 0) {
    failed += 1;
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
