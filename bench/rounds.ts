import type { AobClient, WorkflowsClient } from "./clients";
import { BENCH_SECRET } from "./definitions";
import {
  aobSample,
  FANOUT_NODES,
  type Sample,
  type Scenario,
  type Shape,
  scenarios,
  workflowsSample,
} from "./scenarios";
import { fmt } from "./stats";
import type { TargetServer } from "./target-server";

type Job =
  | { engine: "aob"; scenario: Scenario; workflowId: string }
  | { engine: "workflows"; scenario: Scenario; shape: Shape };

export interface Results {
  scenarios: Scenario[];
  aob: Map<string, Sample[]>;
  /** Keyed by the Workflows shape (chain, fanout, http_chain): one twin serves several rows. */
  workflows: Map<string, Sample[]>;
  /** Workflows fan-out of no-op steps, ms per step, per round (a reference shape, no twin). */
  noopFanout: number[];
  /** The platform's own costs inside the Worker (median ms), measured after the warm-up. */
  probe: Record<string, number>;
  failures: string[];
}

export interface Clients {
  aob: AobClient;
  workflows: WorkflowsClient;
  target: TargetServer;
  log: (line: string) => void;
  /** Aborted on Ctrl+C: the bench stops at once instead of recording failed runs. */
  signal: AbortSignal;
}

export const groupOf = (s: Scenario) => s.workflows.shape;

/** Per round: each group's aob scenarios and its Workflows twin; who goes first alternates. */
function roundJobs(list: Scenario[], workflowIds: Map<string, string>, round: number): Job[] {
  const jobs: Job[] = [];
  for (const group of new Set(list.map(groupOf))) {
    const members = list.filter((s) => groupOf(s) === group);
    const aob: Job[] = members.map((scenario) => ({
      engine: "aob",
      scenario,
      workflowId: workflowIds.get(scenario.key)!,
    }));
    const first = members[0]!;
    const twin: Job = { engine: "workflows", scenario: first, shape: first.shape };
    jobs.push(...(round % 2 === 0 ? [...aob, twin] : [twin, ...aob]));
  }
  return jobs;
}

async function runJob(job: Job, c: Clients): Promise<Sample> {
  const before = c.target.requests();
  const sample =
    job.engine === "aob"
      ? aobSample(
          job.scenario,
          await c.aob.run(job.workflowId, job.scenario.definition.nodes.length),
        )
      : workflowsSample(job.shape, await c.workflows.run(job.scenario.workflows));
  const http = job.scenario.definition.nodes.some((n) => n.type === "http");
  const expected = http ? job.scenario.nodes : 0;
  const fetched = c.target.requests() - before;
  if (fetched !== expected) {
    c.log(`  note: ${fetched} requests reached the target server, ${expected} expected`);
  }
  return sample;
}

/**
 * Creates the aob workflows, then runs `warmup + rounds` rounds of every scenario on both
 * engines; warm-up rounds are printed but not kept. A failed run is recorded and skipped.
 */
export async function measure(c: Clients, warmup: number, rounds: number): Promise<Results> {
  const list = chosen(scenarios(c.target.url), process.env.BENCH_SCENARIOS);
  const workflowIds = new Map<string, string>();
  await c.aob.putSecret(BENCH_SECRET, `bench-${crypto.randomUUID()}`);
  for (const s of list) workflowIds.set(s.key, await c.aob.createWorkflow(s.definition));
  const results: Results = {
    scenarios: list,
    aob: new Map(),
    workflows: new Map(),
    noopFanout: [],
    probe: {},
    failures: [],
  };
  const attempt = async <T>(name: string, round: number, fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (err) {
      c.signal.throwIfAborted();
      // A benchmark reports a failed run and goes on; the exit status says it happened.
      results.failures.push(`round ${round + 1}, ${name}: ${String(err)}`);
      c.log(`  ${name.padEnd(26)} FAILED: ${String(err)}`);
      return null;
    }
  };
  for (let round = 0; round < warmup + rounds; round++) {
    const warm = round < warmup;
    if (round === warmup) {
      results.probe = (await attempt("probe", round, () => c.workflows.probe(c.target.url))) ?? {};
    }
    c.log(`bench: round ${round + 1}/${warmup + rounds}${warm ? " (warm-up)" : ""}`);
    for (const job of roundJobs(list, workflowIds, round)) {
      const name =
        job.engine === "aob" ? `aob ${job.scenario.key}` : `workflows ${groupOf(job.scenario)}`;
      const sample = await attempt(name, round, () => runJob(job, c));
      if (!sample) continue;
      const perNode = fmt(sample.wallMs / job.scenario.nodes);
      c.log(`  ${name.padEnd(26)} ${fmt(sample.wallMs, 0).padStart(6)} ms  ${perNode} ms/node`);
      if (warm) continue;
      const store = job.engine === "aob" ? results.aob : results.workflows;
      const key = job.engine === "aob" ? job.scenario.key : groupOf(job.scenario);
      store.set(key, [...(store.get(key) ?? []), sample]);
    }
    if (process.env.BENCH_SCENARIOS) continue;
    const noop = await attempt("workflows fanout_noop", round, () =>
      c.workflows.run({ shape: "fanout_noop", steps: FANOUT_NODES }),
    );
    if (!noop) continue;
    c.log(`  ${"workflows fanout_noop".padEnd(26)} ${fmt(noop.wallMs, 0).padStart(6)} ms`);
    if (!warm) results.noopFanout.push(noop.wallMs / FANOUT_NODES);
  }
  return results;
}

/** `BENCH_SCENARIOS=key,key` keeps only those scenarios (and skips the no-op reference shape). */
export function chosen(list: Scenario[], keys: string | undefined): Scenario[] {
  if (!keys) return list;
  const wanted = keys.split(",").map((k) => k.trim());
  const unknown = wanted.filter((k) => !list.some((s) => s.key === k));
  if (unknown.length > 0) {
    const known = list.map((s) => s.key).join(", ");
    throw new Error(`BENCH_SCENARIOS: unknown scenario ${unknown.join(", ")} (known: ${known})`);
  }
  return list.filter((s) => wanted.includes(s.key));
}
