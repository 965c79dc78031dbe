/**
 * `npm run bench`: aob against Cloudflare Workflows in one `wrangler dev` (bench/worker.ts).
 * Builds, starts from a fresh state under .wrangler/bench-state, runs every scenario
 * BENCH_ROUNDS times (default 5) after one warm-up round, interleaving both engines, and prints
 * the report docs/BENCHMARKS.md explains (also saved as .wrangler/bench-state/report.md).
 * A benchmark, not a test: it exits non-zero only when a run failed.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildWasm, buildWeb, QUIET_ENV, ROOT } from "../scripts/lib";
import { AobClient, POLL_MS, WorkflowsClient } from "./clients";
import {
  bundleWorker,
  type DevServer,
  PERSIST_DIR,
  prepareState,
  startDevServer,
} from "./dev-server";
import { report } from "./report";
import { measure } from "./rounds";
import { startTargetServer } from "./target-server";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP_ROUNDS = 1;

const log = (line: string) => process.stdout.write(`${line}\n`);

function wranglerVersion(): string {
  const res = spawnSync("npx", ["wrangler", "--version"], { cwd: ROOT, env: QUIET_ENV });
  return String(res.stdout).trim().split("\n").at(-1) ?? "?";
}

const t0 = performance.now();
log("bench: building wasm and web …");
buildWasm();
buildWeb();
log("bench: fresh state, D1 migrations, seed, bundle …");
const key = prepareState();
bundleWorker();
const target = await startTargetServer();
let server: DevServer | null = null;
const stop = async () => {
  await server?.stop();
  await target.close();
};
const interrupted = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.exitCode = 130;
    interrupted.abort(new Error(`bench interrupted by ${signal}`));
    void stop();
  });
}
try {
  server = await startDevServer(key, "127.0.0.1");
  log(`bench: wrangler dev at ${server.url}, target server ${target.url}`);
  const clients = {
    aob: new AobClient(server.url, key),
    workflows: new WorkflowsClient(server.url),
    target,
    log,
    signal: interrupted.signal,
  };
  const results = await measure(clients, WARMUP_ROUNDS, ROUNDS);
  const cpu = cpus();
  const header = [
    `Date: ${new Date().toISOString()}. Command: \`npm run bench\` (BENCH_ROUNDS=${ROUNDS}, BENCH_POLL_MS=${POLL_MS}).`,
    `Machine: ${cpu.length} CPUs (${cpu[0]?.model ?? "?"}), Node ${process.version}, wrangler ${wranglerVersion()}.`,
    `${ROUNDS} measured rounds after ${WARMUP_ROUNDS} warm-up; status polled every ${POLL_MS} ms; ${((performance.now() - t0) / 1000).toFixed(0)} s in all.`,
  ];
  const text = report(results, header);
  log(`\n${text}`);
  writeFileSync(join(PERSIST_DIR, "report.md"), `${text}\n`);
  writeFileSync(
    join(PERSIST_DIR, "results.json"),
    JSON.stringify({ ...results, aob: [...results.aob], workflows: [...results.workflows] }),
  );
  if (results.failures.length > 0) process.exitCode = 1;
} catch (err) {
  if (interrupted.signal.aborted) {
    log(`bench: ${String(interrupted.signal.reason)}; wrangler dev stopped`);
  } else {
    if (server) process.stderr.write(`wrangler output (last lines):\n${server.output()}\n`);
    throw err;
  }
} finally {
  await stop();
}
