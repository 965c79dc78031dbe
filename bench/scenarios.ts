import type { WorkflowDefinitionInput } from "../core/workflow/definition";
import type { AobRun, WorkflowsRun } from "./clients";
import { httpChain, httpFanout, nodeId, transformChain } from "./definitions";
import { gaps } from "./stats";
import type { BenchParams } from "./worker";

export const CHAIN_NODES = 1000;
export const FANOUT_NODES = 500;
export const HTTP_CHAIN_NODES = 100;

export type Shape = "chain" | "fanout";

/** One aob workflow and the Workflows instance shape it is compared with. */
export interface Scenario {
  key: string;
  label: string;
  /** The nodes being measured (start, join and end not counted). */
  nodes: number;
  shape: Shape;
  /** Node id prefix of the measured nodes (`t0001`, `h0001`, …). */
  prefix: string;
  definition: WorkflowDefinitionInput;
  workflows: BenchParams;
}

export function scenarios(url: string): Scenario[] {
  const chain: BenchParams = { shape: "chain", steps: CHAIN_NODES };
  const fanout: BenchParams = { shape: "fanout", steps: FANOUT_NODES, url };
  const httpSteps: BenchParams = { shape: "http_chain", steps: HTTP_CHAIN_NODES, url };
  return [
    {
      key: "chain",
      label: `chain of ${CHAIN_NODES} transforms`,
      nodes: CHAIN_NODES,
      shape: "chain",
      prefix: "t",
      definition: transformChain(CHAIN_NODES),
      workflows: chain,
    },
    {
      key: "fanout-queued",
      label: `fan-out ${FANOUT_NODES} http, queued`,
      nodes: FANOUT_NODES,
      shape: "fanout",
      prefix: "h",
      definition: httpFanout(FANOUT_NODES, url, "queued"),
      workflows: fanout,
    },
    {
      key: "fanout-inline",
      label: `fan-out ${FANOUT_NODES} http, inline`,
      nodes: FANOUT_NODES,
      shape: "fanout",
      prefix: "h",
      definition: httpFanout(FANOUT_NODES, url, "inline"),
      workflows: fanout,
    },
    {
      key: "http-chain-queued",
      label: `chain of ${HTTP_CHAIN_NODES} http, queued`,
      nodes: HTTP_CHAIN_NODES,
      shape: "chain",
      prefix: "h",
      definition: httpChain(HTTP_CHAIN_NODES, url, "queued"),
      workflows: httpSteps,
    },
    {
      key: "http-chain-inline",
      label: `chain of ${HTTP_CHAIN_NODES} http, inline`,
      nodes: HTTP_CHAIN_NODES,
      shape: "chain",
      prefix: "h",
      definition: httpChain(HTTP_CHAIN_NODES, url, "inline"),
      workflows: httpSteps,
    },
    {
      key: "http-chain-queued-secret",
      label: `chain of ${HTTP_CHAIN_NODES} http, queued, a secret each`,
      nodes: HTTP_CHAIN_NODES,
      shape: "chain",
      prefix: "h",
      definition: httpChain(HTTP_CHAIN_NODES, url, "queued", true),
      workflows: httpSteps,
    },
    {
      key: "http-chain-inline-secret",
      label: `chain of ${HTTP_CHAIN_NODES} http, inline, a secret each`,
      nodes: HTTP_CHAIN_NODES,
      shape: "chain",
      prefix: "h",
      definition: httpChain(HTTP_CHAIN_NODES, url, "inline", true),
      workflows: httpSteps,
    },
  ];
}

/** What one run tells, for either engine. All times in ms. */
export interface Sample {
  wallMs: number;
  /**
   * aob only: start request sent → `run_completed` as the event log stamps it (1 ms resolution;
   * no polling in it). NaN for Workflows.
   */
  logWallMs: number;
  startMs: number;
  /**
   * Chains: time between one node's end and the next one's (the period of the chain). Fan-out:
   * time from the run's start until each branch finished.
   */
  perNode: number[];
  /** aob chains only: a node's `node_succeeded` to the next node's `node_started`/`node_queued`. */
  transitions: number[];
  /** aob only: where a run's time goes, from its event log (see PHASES). */
  phases: Record<string, number[]>;
}

/** The phases `aobSample` reads from the event log, in the order they happen. */
export const PHASES: Record<string, string> = {
  before: "start request sent → run_started (load, validate, compile, D1 insert, DO create)",
  engine: "run_started → run_completed (the run itself)",
  after:
    "run_completed → end seen by the client (polling; the D1 projection runs in the background)",
  projected: "run_completed → D1 holds the whole projection (run row and every node execution)",
  lastPoll: "the GET /api/runs/:id that saw the end (waits while the DO is busy)",
  snapshot: "GET /api/runs/:id once more, the run over (D1 check, DO snapshot, JSON)",
  queueDelivery: "node_queued → the runner starts the job (DO send, queue, consumer)",
  executeReport: "runner starts the job → node_succeeded (fetch, RPC, DO step)",
  inFlight: "node_started → node_succeeded of an inline node (its work and the DO step)",
  hopEager:
    "chains: hop to a queued node the runner took from its run's answer (eager dispatch, the default)",
  hopQueue: "chains: hop to a queued node delivered by a queue message",
};

/** Reads an aob run's event log into a sample. */
export function aobSample(s: Scenario, run: AobRun): Sample {
  const succeeded = new Map<string, number>();
  const began = new Map<string, number>();
  const queued = new Map<string, number>();
  const runnerStart = new Map<string, number>();
  const delivery = new Map<string, string>();
  let runStarted = Number.NaN;
  let runCompleted = Number.NaN;
  for (const e of run.events) {
    if (e.type === "run_started") runStarted = e.at;
    if (e.type === "run_completed") runCompleted = e.at;
    if (!e.nodeId) continue;
    if (e.type === "node_succeeded") succeeded.set(e.nodeId, e.at);
    if (e.type === "node_queued" && !queued.has(e.nodeId)) queued.set(e.nodeId, e.at);
    if (e.type === "node_started" && queued.has(e.nodeId)) {
      runnerStart.set(e.nodeId, Number(e.data?.startedAt));
      delivery.set(e.nodeId, String(e.data?.delivery ?? "queue"));
    }
    if ((e.type === "node_started" || e.type === "node_queued") && !began.has(e.nodeId)) {
      began.set(e.nodeId, e.at);
    }
  }
  const ids = Array.from({ length: s.nodes }, (_, i) => nodeId(s.prefix, i));
  const at = (m: Map<string, number>, id: string) => {
    const v = m.get(id);
    if (v === undefined) throw new Error(`${s.key}: no event for node ${id}`);
    return v;
  };
  const phases: Record<string, number[]> = {
    before: [runStarted - run.sentAt],
    engine: [runCompleted - runStarted],
    after: [run.seenAt - runCompleted],
    projected: Number.isNaN(run.projectedAt) ? [] : [run.projectedAt - runCompleted],
    lastPoll: [run.pollMs],
    snapshot: [run.idlePollMs],
  };
  if (queued.size > 0) {
    phases.queueDelivery = ids.map((id) => at(runnerStart, id) - at(queued, id));
    phases.executeReport = ids.map((id) => at(succeeded, id) - at(runnerStart, id));
  } else if (s.prefix === "h") {
    phases.inFlight = ids.map((id) => at(succeeded, id) - at(began, id));
  }
  const sample: Sample = {
    wallMs: run.wallMs,
    logWallMs: runCompleted - run.sentAt,
    startMs: run.startMs,
    perNode: [],
    transitions: [],
    phases,
  };
  if (s.shape === "chain") {
    sample.perNode = gaps(ids.map((id) => at(succeeded, id)));
    sample.transitions = ids.slice(1).map((id, i) => at(began, id) - at(succeeded, ids[i]!));
    if (delivery.size > 0) {
      const hops = ids.slice(1).map((id, i) => ({ id, ms: sample.perNode[i]! }));
      for (const via of ["eager", "queue"]) {
        const key = via === "eager" ? "hopEager" : "hopQueue";
        phases[key] = hops.filter((h) => delivery.get(h.id) === via).map((h) => h.ms);
      }
    }
  } else {
    sample.perNode = ids.map((id) => at(succeeded, id) - runStarted);
  }
  return sample;
}

/** Reads a Workflows instance's output (its step marks) into a sample. */
export function workflowsSample(shape: Shape, run: WorkflowsRun): Sample {
  const { startedAt, marks } = run.output;
  return {
    wallMs: run.wallMs,
    logWallMs: Number.NaN,
    startMs: run.startMs,
    perNode: shape === "chain" ? gaps(marks) : marks.map((m) => m - startedAt),
    transitions: [],
    phases: {},
  };
}
