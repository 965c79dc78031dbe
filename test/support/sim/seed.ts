/**
 * One seed of the simulation: a random workload, run once without faults (the reference, FIFO)
 * and once with the faults the seed draws, in two fresh objects; then the end checks: the run
 * ended, ended as the reference did (when nothing legitimately changes the path: a cancel, a
 * lease given up on, a join on "any"), every accepted http result is one the runner produced,
 * nothing is left in the outbox or the timers, and the D1 projection says what the object says.
 */
import { canonicalJson } from "../../../core/cas/hash";
import { createWorkflow, findWorkflow } from "../../../db/workflows";
import { Rng } from "./random";
import { type CaseOutcome, endOf, runCase } from "./simulation";
import { type Generation, randomWorkload, type Workload } from "./workload";
import { type Enter, type FaultRates, SimCrash } from "./world";

export interface SeedDeps {
  env: Env;
  owner: { tenantId: string; workflowId: string };
  /** Runs `fn` with the storage of a fresh object named `name`. */
  withStorage<T>(name: string, fn: (storage: DurableObjectStorage) => Promise<T>): Promise<T>;
  /** The pool slot `withStorage` runs a case named `name` in. */
  slotOf(name: string): string;
  /** Runs `fn` in a slot object's context, with its storage (child runs live in slots). */
  enter: Enter;
}

export interface SeedOptions {
  rates: FaultRates;
  /** Cancel at a random action in some seeds. */
  cancels?: boolean;
  nonAtomic?: boolean;
  maxNodes?: number;
  /** The workload generator's generation (workload.ts); the latest by default. */
  generation?: Generation;
}

export interface SeedReport {
  seed: number;
  violations: string[];
  /** The faulted run's trace, for a failing seed. */
  trace: string[];
  faults: Record<string, number>;
  compared: boolean;
  workload: Workload;
  status: string | null;
  actions: number;
  /** Generation 6: each child run of the faulted case, `label status`. */
  family: string[];
}

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

/**
 * Rejections nobody handled while a seed ran: an engine promise left to fail on its own (the
 * runtime only logs it) is a bug, counted against the seed that was running.
 */
const unhandled: string[] = [];
globalThis.addEventListener("unhandledrejection", (event: Event) => {
  const { reason } = event as Event & { reason: unknown };
  // A crash ends an incarnation by throwing wherever it is; on the platform nothing of a
  // crashed object runs on, so nothing of it can reject. Every other rejection is the engine's.
  if (!(reason instanceof SimCrash)) unhandled.push(String(reason));
  event.preventDefault();
});

export async function simulateSeed(
  seed: number,
  deps: SeedDeps,
  options: SeedOptions,
): Promise<SeedReport> {
  const workload = randomWorkload(new Rng(seed), options.maxNodes, options.generation);
  const draw = new Rng(seed ^ 0x2545f491);
  const cancelAt = options.cancels && draw.chance(0.15) ? draw.int(40) : undefined;
  const base = { seed, workload, env: deps.env, owner: deps.owner, rates: options.rates };
  const name = `sim-${seed}-${crypto.randomUUID()}`;
  await registerChildren(workload, deps);
  const slots = (case_: string) =>
    workload.generation >= 6 ? { slots: { root: deps.slotOf(case_), enter: deps.enter } } : {};
  const reference = await deps.withStorage(`${name}-ref`, (storage) =>
    runCase({ ...base, runId: `${name}-ref`, storage, reference: true, ...slots(`${name}-ref`) }),
  );
  const faulted = await deps.withStorage(name, (storage) =>
    runCase({
      ...base,
      runId: name,
      storage,
      ...slots(name),
      ...(cancelAt === undefined ? {} : { cancelAt }),
      ...(options.nonAtomic ? { nonAtomic: true } : {}),
    }),
  );
  const violations = [
    ...reference.violations.map((v) => `reference: ${v}`),
    ...faulted.violations,
    ...unhandled.splice(0).map((r) => `an engine promise rejected with nobody to handle it: ${r}`),
  ];
  let compared = false;
  if (violations.length === 0) {
    violations.push(...(await endChecks(faulted, workload, name, deps.env)));
    // A lease given up on (in the run or a child) runs an attempt again; a child's start that
    // met an injected fault (a lost call; D1, whose failure drizzle reports as "Failed query",
    // found by seed 870) fails its attempt: the path may change.
    const diverges = (o: CaseOutcome) =>
      [o.record!, ...o.family.map((m) => m.record).filter((r) => r !== null)].some((r) =>
        r.events.some((e) => JSON.stringify(e.data).includes("lease_expired")),
      ) ||
      o.record!.events.some((e) =>
        /simulated|child_not_started|Failed query/.test(JSON.stringify(e.data)),
      );
    const cancelled = faulted.record!.events.some((e) => e.type === "run_cancelled");
    const patched = faulted.record!.events.some((e) => e.type === "patch_applied");
    compared =
      !workload.racy && !cancelled && !patched && !diverges(reference) && !diverges(faulted);
    if (compared && endOf(reference.record!) !== endOf(faulted.record!)) {
      violations.push(
        `ends differently from the run without faults:\n  reference ${endOf(reference.record!)}\n  faulted   ${endOf(faulted.record!)}`,
      );
    }
  }
  return {
    seed,
    violations,
    trace: faulted.trace,
    faults: { ...faulted.faults, ...held(faulted) },
    compared,
    workload,
    status: faulted.record?.status ?? null,
    actions: faulted.actions,
    family: faulted.family.map((m) => `${m.label} ${m.record?.status ?? "none"}`),
  };
}

/** The workflows a workload's subworkflow nodes start, in D1 as the API would have saved them. */
async function registerChildren(workload: Workload, deps: SeedDeps): Promise<void> {
  const { tenantId } = deps.owner;
  for (const [id, definition] of Object.entries(workload.children)) {
    if (await findWorkflow(deps.env.DB, tenantId, id)) continue;
    await createWorkflow(deps.env.DB, {
      id,
      tenantId,
      name: id,
      description: null,
      definition: JSON.stringify(definition),
      toolInputSchema: null,
      now: 0,
    });
  }
}

async function endChecks(
  outcome: CaseOutcome,
  workload: Workload,
  runId: string,
  env: Env,
): Promise<string[]> {
  const queuedHttp = new Set(
    workload.definition.nodes
      .filter((n) => n.type === "http" && (n.config as { mode?: string }).mode === "queued")
      .map((n) => n.id),
  );
  const record = outcome.record;
  if (!record) return ["no run at the end"];
  const problems: string[] = [];
  if (!TERMINAL.has(record.status)) problems.push(`the run did not end: ${record.status}`);
  if (record.tokens !== 0) problems.push(`tokens left at the end: ${record.tokens}`);
  if (record.timers !== 0) problems.push(`timers left at the end: ${record.timers}`);
  if (record.outbox !== 0) problems.push(`blobs never written to R2: ${record.outbox}`);
  // Effects: an accepted http result is one the runner produced for that very attempt, and
  // the node's stored output is its last accepted result's (a loop runs a node again).
  const last = new Map<string, string>();
  for (const e of record.events) {
    if (e.type !== "node_succeeded" || !e.nodeId || !queuedHttp.has(e.nodeId)) continue;
    const key = `${e.nodeId}#${String(e.data.attempt)}`;
    if (!outcome.produced.has(key)) {
      problems.push(`accepted a success for ${key} the runner never produced`);
    }
    last.set(e.nodeId, key);
  }
  for (const [nodeId, key] of last) {
    if (!outcome.produced.has(key)) continue;
    if (stored(record.outputs[nodeId]) !== canonicalJson(outcome.produced.get(key))) {
      problems.push(`output of ${nodeId} is ${record.outputs[nodeId]}, not what ${key} produced`);
    }
  }
  const row = await env.DB.prepare("SELECT status FROM runs WHERE id = ?")
    .bind(runId)
    .first<{ status: string }>();
  if (row?.status !== record.status) {
    problems.push(`D1 says ${row?.status ?? "nothing"}, the object says ${record.status}`);
  }
  const executions = await env.DB.prepare(
    "SELECT count(*) AS n FROM node_executions WHERE run_id = ?",
  )
    .bind(runId)
    .first<{ n: number }>();
  if (TERMINAL.has(record.status) && executions?.n !== record.executions) {
    problems.push(`D1 has ${executions?.n} executions, the object ${record.executions}`);
  }
  return problems;
}

const stored = (json: string | undefined) =>
  json === undefined ? "none" : canonicalJson(JSON.parse(json) as unknown);

/** A fault kind of FaultRates, or the cancel some seeds make. */
export type FaultKind = keyof FaultRates | "cancel";

/** Rates with only the named kinds on (at their rate in `rates`), and whether cancels are. */
export function onlyFaults(rates: FaultRates, on: readonly FaultKind[]) {
  const kept = Object.fromEntries(
    Object.entries(rates).map(([k, v]) => [k, on.includes(k as FaultKind) ? v : 0]),
  ) as unknown as FaultRates;
  return { rates: kept, cancels: on.includes("cancel") };
}

/**
 * A failing seed with as few fault kinds as still fail it: each kind is turned off in turn and
 * left off when the seed still fails. A kind at rate 0 still draws its coin, so the rest of the
 * seed's choices stay where they were and the failure usually survives. The result names the
 * kinds left on: `npm run sim -- --seed N --faults a,b` replays it.
 */
export async function shrinkSeed(
  seed: number,
  deps: SeedDeps,
  options: SeedOptions,
  failing: SeedReport,
): Promise<{ report: SeedReport; on: FaultKind[] }> {
  let on = [
    ...(Object.keys(options.rates) as (keyof FaultRates)[]).filter((k) => options.rates[k] > 0),
    ...(options.cancels ? (["cancel"] as const) : []),
  ] as FaultKind[];
  let report = failing;
  for (const kind of [...on]) {
    const fewer = on.filter((k) => k !== kind);
    const tried = await simulateSeed(seed, deps, {
      ...options,
      ...onlyFaults(options.rates, fewer),
    });
    if (tried.violations.length > 0) {
      on = fewer;
      report = tried;
    }
  }
  return { report, on };
}

/**
 * What a run did that is not a fault but says what was covered: jobs the queue window held
 * back (generation 3), nodes run again by a loop (a node succeeds more than once only then), and
 * child runs (generation 6).
 */
function held(outcome: CaseOutcome): Record<string, number> {
  const events = outcome.record?.events ?? [];
  const heldJobs = events.filter(
    (e) => e.type === "node_queued" && (e.data as { held?: boolean } | undefined)?.held === true,
  ).length;
  const successes = events.filter((e) => e.type === "node_succeeded");
  const again = successes.length - new Set(successes.map((e) => e.nodeId)).size;
  // Generation 6: child runs that ran, and those a cancel of their parent ended.
  const runs = outcome.family.filter((m) => m.record !== null);
  const cancelled = runs.filter((m) => m.record!.status === "cancelled").length;
  return {
    ...(heldJobs > 0 ? { job_held: heldJobs } : {}),
    ...(again > 0 ? { loop_turn: again } : {}),
    ...(runs.length > 0 ? { child_run: runs.length } : {}),
    ...(cancelled > 0 ? { child_cancelled: cancelled } : {}),
  };
}
