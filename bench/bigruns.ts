/**
 * The big-run bench (issue 16): a chain of 25,000 transforms and a fan-out of 10,000 http nodes
 * in aob, against Workflows at the largest step count it accepts locally. Where an engine
 * refuses the size asked for, the refusal (status, code, message) is the baseline, and the
 * bench finds the largest size it takes and measures that: aob by creating the workflow (halving,
 * then bisecting between the largest accepted and the smallest refused), Workflows by running it
 * (halving, then the limit its error names, if that lies in between). Per measured run: wall,
 * ms/node and the runtime workerd's RSS growth (bench/memory.ts).
 */
import { MAX_NODES, type WorkflowDefinitionInput } from "../core/workflow/definition";
import {
  AobAttempts,
  type Attempt,
  errorText,
  type Outcome,
  outcomeText,
  workflowsAttempt,
} from "./attempts";
import { type HttpMode, httpFanout, transformChain } from "./definitions";
import { type RssGrowth, withRss } from "./memory";
import { fmt, markdownTable } from "./stats";
import type { TargetServer } from "./target-server";
import type { BenchShape } from "./worker";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
/** Transforms in the chain: with start and end, the 25,000 nodes a workflow may have. */
export const BIG_CHAIN = env("BENCH_BIGRUNS_CHAIN", MAX_NODES - 2);
export const BIG_FANOUT = env("BENCH_BIGRUNS_FANOUT", 10_000);
const FANOUT_MODE = (process.env.BENCH_BIGRUNS_MODE ?? "queued") as HttpMode;
/** `BENCH_BIGRUNS_WORKFLOWS=0` runs aob only (Workflows' chains take minutes). */
const WITH_WORKFLOWS = process.env.BENCH_BIGRUNS_WORKFLOWS !== "0";
/** One run may take this long before it is recorded as failed (`bench_deadline`). */
const DEADLINE_MS = env("BENCH_BIGRUNS_DEADLINE_S", 300) * 1000;

/** A size tried and what came of it. */
export interface Try {
  n: number;
  outcome: Outcome;
}

/** A measured run at `n` nodes or steps. */
export interface BigRun {
  n: number;
  attempt: Attempt;
  rss: RssGrowth;
  /** Requests the target server answered during the run (the fan-out: one per node). */
  requests: number;
}

export interface BigShape {
  label: string;
  requested: number;
  aob: { tries: Try[]; run: BigRun | null };
  workflows: { tries: (Try & { run: BigRun })[] };
}

export interface BigRunsResults {
  shapes: BigShape[];
  mode: HttpMode;
}

export interface BigRunsContext {
  base: string;
  key: string;
  target: TargetServer;
  serverGroup: number | undefined;
  log: (line: string) => void;
  signal: AbortSignal;
}

interface ShapeSpec {
  label: string;
  requested: number;
  aob: (n: number) => WorkflowDefinitionInput;
  /** Nodes of the aob run besides the n measured (start, join, end). */
  extraNodes: number;
  workflows: BenchShape;
}

async function measured(c: BigRunsContext, n: number, fn: () => Promise<Attempt>): Promise<BigRun> {
  const before = c.target.requests();
  const { value, rss } = await withRss(c.serverGroup, async (): Promise<Attempt> => {
    try {
      return await fn();
    } catch (err) {
      const message = errorText(err);
      return { outcome: { status: "failed", code: "bench_error", message }, wallMs: Number.NaN };
    }
  });
  return { n, attempt: value, rss, requests: c.target.requests() - before };
}

/**
 * aob: create at the requested size; if refused, halve until a create is accepted, then bisect
 * between that and the smallest refused; run the largest accepted once.
 */
async function aobShape(
  c: BigRunsContext,
  aob: AobAttempts,
  s: ShapeSpec,
): Promise<BigShape["aob"]> {
  const tries: Try[] = [];
  const create = async (n: number) => {
    const created = await aob.create(s.aob(n));
    const outcome: Outcome = "id" in created ? { status: "completed" } : created;
    tries.push({ n, outcome });
    c.log(`bench: bigruns aob ${s.label} create at ${n}: ${outcomeText(outcome, 140)}`);
    return "id" in created ? created.id : null;
  };
  let id = await create(s.requested);
  let accepted = id === null ? 0 : s.requested;
  let refused = s.requested;
  for (let n = Math.floor(s.requested / 2); id === null && n >= 1; n = Math.floor(n / 2)) {
    id = await create(n);
    if (id === null) refused = n;
    else accepted = n;
  }
  while (id !== null && accepted < s.requested && refused - accepted > 1) {
    c.signal.throwIfAborted();
    const mid = Math.floor((accepted + refused) / 2);
    const next = await create(mid);
    if (next === null) refused = mid;
    else [accepted, id] = [mid, next];
  }
  if (id === null) return { tries, run: null };
  const workflowId = id;
  const run = await measured(c, accepted, () =>
    aob.run(workflowId, accepted + s.extraNodes, DEADLINE_MS),
  );
  c.log(
    `bench: bigruns aob ${s.label} run at ${accepted}: ${fmt(run.attempt.wallMs, 0)} ms, ${outcomeText(run.attempt.outcome, 100)}`,
  );
  return { tries, run };
}

/**
 * Workflows: run at the requested size; on a refusal or failure halve until one completes; then
 * try the step limit the refusal named, if it lies between the two.
 */
async function workflowsShape(c: BigRunsContext, s: ShapeSpec): Promise<BigShape["workflows"]> {
  const tries: BigShape["workflows"]["tries"] = [];
  const attempt = async (n: number) => {
    c.signal.throwIfAborted();
    const run = await measured(c, n, () =>
      workflowsAttempt(c.base, { shape: s.workflows, steps: n, url: c.target.url }, DEADLINE_MS),
    );
    tries.push({ n, outcome: run.attempt.outcome, run });
    c.log(
      `bench: bigruns Workflows ${s.label} at ${n}: ${fmt(run.attempt.wallMs, 0)} ms, ${outcomeText(run.attempt.outcome, 100)}`,
    );
    return run.attempt.outcome.status === "completed";
  };
  let refused = Number.POSITIVE_INFINITY;
  let accepted = 0;
  for (let n = s.requested; n >= 1; n = Math.floor(n / 2)) {
    if (await attempt(n)) {
      accepted = n;
      break;
    }
    refused = n;
  }
  const named = tries
    .map((t) =>
      t.outcome.status === "completed" ? null : t.outcome.message.match(/limit of (\d+) steps/),
    )
    .find((m) => m);
  const limit = Number(named?.[1] ?? Number.NaN);
  if (accepted > 0 && limit > accepted && limit < refused) await attempt(limit);
  return { tries };
}

export async function measureBigRuns(c: BigRunsContext): Promise<BigRunsResults> {
  const aob = new AobAttempts(c.base, c.key);
  const specs: ShapeSpec[] = [
    {
      label: "transform chain",
      requested: BIG_CHAIN,
      aob: transformChain,
      extraNodes: 2,
      workflows: "chain",
    },
    {
      label: `http fan-out, ${FANOUT_MODE}`,
      requested: BIG_FANOUT,
      aob: (n) => httpFanout(n, c.target.url, FANOUT_MODE),
      extraNodes: 3,
      workflows: "fanout",
    },
  ];
  const shapes: BigShape[] = [];
  for (const s of specs) {
    shapes.push({
      label: s.label,
      requested: s.requested,
      aob: await aobShape(c, aob, s),
      workflows: WITH_WORKFLOWS ? await workflowsShape(c, s) : { tries: [] },
    });
  }
  return { shapes, mode: FANOUT_MODE };
}

/** Wall ÷ nodes of a run that completed; a refused or failed run has no per-node figure. */
const perNode = (r: BigRun) =>
  r.attempt.outcome.status === "completed" ? fmt(r.attempt.wallMs / r.n) : "–";

/** The report section: what each engine refused, and the runs measured. */
export function bigRunsReport(r: BigRunsResults): string {
  const rows: string[][] = [];
  const row = (shape: BigShape, engine: string, run: BigRun) => [
    shape.label,
    engine,
    String(run.n),
    fmt(run.attempt.wallMs, 0),
    perNode(run),
    fmt(run.rss.growth.runtime, 1),
    fmt(run.rss.growth.proxy, 1),
    fmt(run.rss.base.runtime, 0),
    String(run.requests),
    outcomeText(run.attempt.outcome, 200),
  ];
  for (const shape of r.shapes) {
    if (shape.aob.run) rows.push(row(shape, "aob", shape.aob.run));
    for (const t of shape.workflows.tries) rows.push(row(shape, "Workflows", t.run));
  }
  const head = [
    "shape",
    "engine",
    "nodes / steps",
    "wall ms",
    "ms/node",
    "runtime RSS growth MiB",
    "proxy RSS growth MiB",
    "runtime RSS before MiB",
    "requests",
    "outcome",
  ];
  const refusals = r.shapes.map((shape) => {
    const tries = shape.aob.tries;
    const refused = tries.filter((t) => t.outcome.status !== "completed");
    const accepted = tries.filter((t) => t.outcome.status === "completed").map((t) => t.n);
    const largest = accepted.length > 0 ? Math.max(...accepted) : 0;
    const smallestRefused = refused.filter((t) => t.n > largest).sort((a, b) => a.n - b.n)[0];
    const first = refused.find((t) => t.n === shape.requested);
    const lines = [
      `- aob, ${shape.label}: asked ${shape.requested}: ${first ? outcomeText(first.outcome, 400) : "accepted"}.`,
    ];
    if (first) {
      lines.push(
        `  Largest accepted: ${largest || "none"} (${tries.length} creates)${smallestRefused && smallestRefused !== first ? `; ${smallestRefused.n} refused: ${outcomeText(smallestRefused.outcome, 400)}` : ""}.`,
      );
    }
    const wf = shape.workflows.tries;
    const done = wf.filter((t) => t.outcome.status === "completed").map((t) => t.n);
    lines.push(
      `- Workflows, ${shape.label}: tried ${wf.map((t) => `${t.n} (${t.outcome.status})`).join(", ")}; largest completed ${done.length > 0 ? Math.max(...done) : "none"}.${wf
        .filter((t) => t.outcome.status !== "completed")
        .slice(0, 1)
        .map((t) => ` At ${t.n}: ${outcomeText(t.outcome, 300)}`)
        .join("")}`,
    );
    return lines.join("\n");
  });
  return [
    markdownTable(head, rows),
    `Sizes asked and refusals:\n${refusals.join("\n")}`,
    `aob fan-out nodes are \`mode: "${r.mode}"\` GETs of the bench's server (one URL per node); Workflows' is \`Promise.all\` of one fetch per step. ms/node: wall ÷ nodes (aob: the transforms or http nodes, not start/join/end). A Workflows run refused at a step limit is timed to its error.`,
  ].join("\n\n");
}
