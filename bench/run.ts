/**
 * `npm run bench`: aob against Cloudflare Workflows in one `wrangler dev` (bench/worker.ts).
 * Builds, starts from a fresh state under .wrangler/bench-state, runs every scenario
 * BENCH_ROUNDS times (default 5) after one warm-up round, interleaving both engines, then the
 * WebSocket fan-out bench (bench/ws.ts), and prints the report docs/BENCHMARKS.md explains (also
 * saved as .wrangler/bench-state/report.md).
 * `npm run bench -- --only compare` runs only the first part, `--only ws` only the second,
 * `--only optimiser` only the optimiser's (bench/optimiser-timing.ts, bench/optimiser-effects.ts),
 * `--only secrets` only what secret handling adds per http node, in Node (bench/secret-handling.ts),
 * `--only payloads` 1 KiB to 50 MiB bodies through http → transform against a Workflows step
 * (bench/payloads.ts), `--only bigruns` a 25,000-transform chain and a 10,000-http fan-out
 * against Workflows at the most steps it takes (bench/bigruns.ts); both issue 16's baseline;
 * `--only lifecycle` sweeping 10,000 expired runs and the blob lookup at 100,000 executions
 * (bench/lifecycle.ts, issue 18); `--only children` a map of 1,000 sub-workflow children against
 * 1,000 Workflows instances (bench/children.ts, issue 19); `--only stats` `GET /api/stats` and
 * `/api/metrics` over 100,000 seeded runs beside 1,000 (bench/dashboard.ts, issue 23).
 * A benchmark, not a test: it exits non-zero only when a run failed.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildWasm, buildWeb, QUIET_ENV, ROOT } from "../scripts/lib";
import { runtimePid } from "../scripts/workerd-processes";
import { BIG_CHAIN, BIG_FANOUT, bigRunsReport, measureBigRuns } from "./bigruns";
import {
  CHILDREN,
  CHILDREN_CONCURRENCY,
  CHILDREN_POLL_MS,
  CHILDREN_ROUNDS,
  childrenReport,
  measureChildren,
} from "./children";
import { AobClient, POLL_MS, WorkflowsClient } from "./clients";
import {
  dashboardReport,
  measureDashboard,
  STATS_BASELINE,
  STATS_REPS,
  STATS_RUNS,
} from "./dashboard";
import {
  bundleWorker,
  type DevServer,
  PERSIST_DIR,
  prepareState,
  startDevServer,
} from "./dev-server";
import { FLOW_ADMISSIONS, FLOW_LIMIT, FLOW_RUNS, flowReport, measureFlow } from "./flow";
import { IsolateHeap } from "./heap";
import { LOOKUP_EXECUTIONS, lifecycleReport, measureLifecycle, SWEEP_RUNS } from "./lifecycle";
import { chainReport, EFFECT_ROUNDS, effectsReport, measureEffects } from "./optimiser-effects";
import { measureTiming, timingReport } from "./optimiser-timing";
import { measureRepeats, PAYLOAD_REPEATS, repeatsReport } from "./payload-repeats";
import {
  measurePayloads,
  PAYLOAD_MODES,
  PAYLOAD_ROUNDS,
  PAYLOAD_SIZES,
  payloadsReport,
  sizeLabel,
} from "./payloads";
import { report } from "./report";
import { measure } from "./rounds";
import { measureSecretHandling, secretReport } from "./secret-handling";
import { SimulationHeaps } from "./simulations";
import { startTargetServer } from "./target-server";
import { DELAY_SECONDS, measureWs, WS_CLIENTS, WS_ROUNDS, wsReport } from "./ws";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP_ROUNDS = 1;
const PARTS = [
  "compare",
  "ws",
  "optimiser",
  "secrets",
  "payloads",
  "bigruns",
  "lifecycle",
  "children",
  "flow",
  "stats",
] as const;

/** `--only compare|ws` (or `--only=…`): which parts run; both by default. */
function parts(argv: string[]): Set<(typeof PARTS)[number]> {
  const i = argv.findIndex((a) => a === "--only" || a.startsWith("--only="));
  if (i < 0) return new Set(PARTS);
  const value = argv[i]!.includes("=") ? argv[i]!.split("=")[1] : argv[i + 1];
  const chosen = (value ?? "").split(",").filter((v) => v.length > 0);
  const unknown = chosen.filter((v) => !PARTS.includes(v as (typeof PARTS)[number]));
  if (chosen.length === 0 || unknown.length > 0) {
    throw new Error(`--only takes ${PARTS.join(" or ")} (comma-separated), not "${value ?? ""}"`);
  }
  return new Set(chosen as (typeof PARTS)[number][]);
}

const only = parts(process.argv.slice(2));

const log = (line: string) => process.stdout.write(`${line}\n`);

function wranglerVersion(): string {
  const res = spawnSync("npx", ["wrangler", "--version"], { cwd: ROOT, env: QUIET_ENV });
  return String(res.stdout).trim().split("\n").at(-1) ?? "?";
}

const t0 = performance.now();
/** Load averages (1, 5, 15 min): the machine may be shared; the report says how busy it was. */
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const loadAtStart = load();
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
  const results = only.has("compare") ? await measure(clients, WARMUP_ROUNDS, ROUNDS) : null;
  const ws = only.has("ws")
    ? await measureWs({
        aob: clients.aob,
        base: server.url,
        key,
        target,
        serverGroup: server.group,
        log,
        signal: interrupted.signal,
      })
    : null;
  const optimiser = only.has("optimiser")
    ? {
        effects: await measureEffects({
          base: server.url,
          key,
          target,
          log,
          signal: interrupted.signal,
        }),
        timing: await measureTiming(log),
      }
    : null;
  const secrets = only.has("secrets") ? await measureSecretHandling() : null;
  const issue16 = {
    base: server.url,
    key,
    target,
    serverGroup: server.group,
    log,
    signal: interrupted.signal,
  };
  const { inspector, url } = server;
  const measurePayloadsWithHeap = async () => {
    const heap = await IsolateHeap.connect(inspector, () => fetch(`${url}/api/health`));
    if (!heap)
      log("bench: the Worker's inspector did not answer; payloads without the heap column");
    const runtime = runtimePid(issue16.serverGroup);
    const simulations = runtime ? await SimulationHeaps.connect(runtime) : null;
    if (!simulations)
      log("bench: the runtime's inspector did not answer; payloads without the simulations' heap");
    try {
      const context = { ...issue16, heap, simulations };
      const results = await measurePayloads(context);
      const largest = Math.max(...PAYLOAD_SIZES);
      const repeats = await measureRepeats(context, largest, PAYLOAD_MODES);
      return { results, repeats, largest };
    } finally {
      heap?.close();
      simulations?.close();
    }
  };
  const payloads = only.has("payloads") ? await measurePayloadsWithHeap() : null;
  const bigruns = only.has("bigruns") ? await measureBigRuns(issue16) : null;
  const lifecycle = only.has("lifecycle")
    ? await measureLifecycle({
        ...issue16,
        // A fresh wrangler dev over the same state: it closes the objects' SQLite files.
        async restart() {
          await server?.stop();
          server = await startDevServer(key, "127.0.0.1");
          return server.url;
        },
      })
    : null;
  const children = only.has("children")
    ? await measureChildren({
        base: server.url,
        key,
        log,
        signal: interrupted.signal,
        async restart() {
          await server?.stop();
          server = await startDevServer(key, "127.0.0.1");
          return server.url;
        },
      })
    : null;
  const flow = only.has("flow")
    ? await measureFlow({ base: server.url, key, log, signal: interrupted.signal })
    : null;
  const dashboard = only.has("stats")
    ? await measureDashboard({ base: server.url, log, signal: interrupted.signal })
    : null;
  const cpu = cpus();
  const command = `npm run bench${only.size < PARTS.length ? ` -- --only ${[...only].join(",")}` : ""}`;
  const header = [
    `Date: ${new Date().toISOString()}. Command: \`${command}\` (BENCH_ROUNDS=${ROUNDS}, BENCH_POLL_MS=${POLL_MS}, BENCH_WS_ROUNDS=${WS_ROUNDS}, BENCH_WS_CLIENTS=${WS_CLIENTS.join(",")}).`,
    `Machine: ${cpu.length} CPUs (${cpu[0]?.model ?? "?"}), Node ${process.version}, wrangler ${wranglerVersion()}.`,
    `${ROUNDS} measured rounds after ${WARMUP_ROUNDS} warm-up; status polled every ${POLL_MS} ms; ${((performance.now() - t0) / 1000).toFixed(0)} s in all.`,
    `Load average (1 / 5 / 15 min) at start ${loadAtStart}, at end ${load()}.`,
  ];
  const sections = [header.join("\n")];
  if (results) sections.push(report(results));
  if (ws) {
    sections.push(
      `WebSocket fan-out (${WS_ROUNDS} rounds after 1 warm-up; each run waits ${DELAY_SECONDS} s for its clients, then streams):\n\n${wsReport(ws)}`,
    );
  }
  if (optimiser) {
    sections.push(
      `Optimiser time in Node (same WebAssembly module as workerd; medians, rounds alternate which goes first):\n\n${timingReport(optimiser.timing)}`,
      `Optimiser passes on samples/optimiser-showcase.json in wrangler dev (${EFFECT_ROUNDS} rounds after 1 warm-up; cold run, then warm run with the same input):\n\n${effectsReport(optimiser.effects)}\n\n${chainReport(optimiser.effects)}`,
    );
  }
  if (secrets) sections.push(secretReport(secrets));
  if (payloads) {
    sections.push(
      `Payloads through http → transform → end (${PAYLOAD_ROUNDS} rounds after 1 warm-up; BENCH_PAYLOAD_SIZES=${PAYLOAD_SIZES.map(sizeLabel).join(",")}):\n\n${payloadsReport(payloads.results)}`,
      `The ${sizeLabel(payloads.largest)} payload ${PAYLOAD_REPEATS} times in a row (BENCH_PAYLOAD_REPEATS):\n\n${repeatsReport(payloads.repeats)}`,
    );
  }
  if (bigruns) {
    sections.push(
      `Big runs (one run per size; BENCH_BIGRUNS_CHAIN=${BIG_CHAIN}, BENCH_BIGRUNS_FANOUT=${BIG_FANOUT}):\n\n${bigRunsReport(bigruns)}`,
    );
  }
  if (lifecycle) {
    sections.push(
      `Data lifecycle (BENCH_SWEEP_RUNS=${SWEEP_RUNS}, BENCH_LOOKUP_EXECUTIONS=${LOOKUP_EXECUTIONS}):\n\n${lifecycleReport(lifecycle)}`,
    );
  }
  if (children) {
    sections.push(
      `Sub-workflow fan-out (${CHILDREN_ROUNDS} rounds; BENCH_CHILDREN=${CHILDREN}, BENCH_CHILDREN_CONCURRENCY=${CHILDREN_CONCURRENCY}, BENCH_CHILDREN_POLL_MS=${CHILDREN_POLL_MS}):\n\n${childrenReport(children)}`,
    );
  }
  if (flow) {
    sections.push(
      `Flow control (BENCH_FLOW_ADMISSIONS=${FLOW_ADMISSIONS}, BENCH_FLOW_RUNS=${FLOW_RUNS}, BENCH_FLOW_LIMIT=${FLOW_LIMIT}):\n\n${flowReport(flow)}`,
    );
  }
  if (dashboard) {
    sections.push(
      `Dashboard queries (${STATS_REPS} repetitions after 1 warm-up, the two tenants interleaved; BENCH_STATS_RUNS=${STATS_RUNS}, BENCH_STATS_BASELINE=${STATS_BASELINE}, BENCH_STATS_REPS=${STATS_REPS}):\n\n${dashboardReport(dashboard)}`,
    );
  }
  const text = sections.join("\n\n");
  log(`\n${text}`);
  writeFileSync(join(PERSIST_DIR, "report.md"), `${text}\n`);
  writeFileSync(
    join(PERSIST_DIR, "results.json"),
    JSON.stringify({
      compare: results && { ...results, aob: [...results.aob], workflows: [...results.workflows] },
      ws,
      optimiser,
      secrets,
      payloads,
      bigruns,
      lifecycle,
      children,
      flow,
      dashboard,
    }),
  );
  const childFailed = children?.samples.some((s) => s.outcome.status !== "completed") ?? false;
  const flowFailed = (flow?.failures.length ?? 0) > 0;
  if (
    (results?.failures.length ?? 0) > 0 ||
    (ws?.failures.length ?? 0) > 0 ||
    childFailed ||
    flowFailed
  ) {
    process.exitCode = 1;
  }
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
