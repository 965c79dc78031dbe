import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { WorkflowDefinitionInput } from "../core/workflow/definition";
import type { BenchOutput, BenchParams } from "./worker";

/** How often a run's status is polled; its resolution bounds the wall-time error. */
export const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 20);
const RUN_DEADLINE_MS = 60_000;
/** One request may take this long (a Workflows status call waits while its instance runs). */
const REQUEST_TIMEOUT_MS = 60_000;

export interface RunEvent {
  seq: number;
  type: string;
  at: number;
  nodeId?: string;
  data?: Record<string, unknown>;
}

export interface AobRun {
  /** From sending the start request to the first poll that saw the run completed. */
  wallMs: number;
  /**
   * How long the start request itself took. It answers once the start signal is committed, so
   * this no longer includes the run; the wall above runs to `run_completed` all the same.
   */
  startMs: number;
  /** Epoch ms (this machine's clock, the one workerd stamps events with): request sent, end seen. */
  sentAt: number;
  seenAt: number;
  /** How long the poll that saw the end took (sent while the run may still have been busy). */
  pollMs: number;
  /** One more GET /api/runs/:id once the run is over: the snapshot's own cost. */
  idlePollMs: number;
  /**
   * Epoch ms at which D1 first held the whole projection (the run row `completed` and one
   * node_executions row per node); NaN if it did not within PROJECTION_DEADLINE_MS. The bench
   * waits for it, so that one run's background D1 writes do not overlap the next run.
   */
  projectedAt: number;
  events: RunEvent[];
}

/** What the bench route `GET /bench/projection/:runId` reads from D1. */
export interface ProjectionView {
  status: string | null;
  executions: number;
}

const PROJECTION_DEADLINE_MS = 30_000;

/** What `instance.status()` answers, as the bench route passes it on. */
interface InstanceView {
  status: string;
  error?: { name: string; message: string };
  output?: unknown;
}

export interface WorkflowsRun {
  wallMs: number;
  startMs: number;
  output: BenchOutput;
}

async function call<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** The aob REST API, as the bench uses it. */
export class AobClient {
  constructor(
    private readonly base: string,
    private readonly key: string,
  ) {}

  private request<T>(path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}` };
    if (body === undefined) return call<T>(`${this.base}${path}`, { headers });
    headers["content-type"] = "application/json";
    return call<T>(`${this.base}${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
  }

  /** `PUT /api/secrets/:name`: a tenant secret for the chains that send one. */
  async putSecret(name: string, value: string): Promise<void> {
    await call(`${this.base}/api/secrets/${name}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${this.key}`, "content-type": "application/json" },
      body: JSON.stringify({ value }),
    });
  }

  async createWorkflow(definition: WorkflowDefinitionInput): Promise<string> {
    return (await this.request<{ id: string }>("/api/workflows", definition)).id;
  }

  /** Starts a run (`POST /api/workflows/:id/runs`); answers once the start is committed. */
  async start(workflowId: string): Promise<string> {
    const { runId } = await this.request<{ runId: string }>(`/api/workflows/${workflowId}/runs`, {
      input: null,
    });
    return runId;
  }

  /** `GET /api/runs/:id`, as far as the bench needs it. */
  status(runId: string): Promise<{ status: string }> {
    return this.request<{ status: string }>(`/api/runs/${runId}`);
  }

  /**
   * Polls the bench route that reads D1 until the run's projection is complete (`executions`
   * rows expected); returns the epoch ms at which it was seen, NaN after the deadline.
   */
  async waitProjected(runId: string, executions: number): Promise<number> {
    const t0 = performance.now();
    for (;;) {
      const view = await call<ProjectionView>(`${this.base}/bench/projection/${runId}`);
      if (view.status === "completed" && view.executions >= executions) return Date.now();
      if (performance.now() - t0 > PROJECTION_DEADLINE_MS) return Number.NaN;
      await sleep(POLL_MS);
    }
  }

  /**
   * Starts a run, polls it to the end, reads its whole event log, then waits until D1 holds
   * its projection (`executions`: node_executions rows expected).
   */
  async run(workflowId: string, executions: number): Promise<AobRun> {
    const sentAt = Date.now();
    const t0 = performance.now();
    const runId = await this.start(workflowId);
    const startMs = performance.now() - t0;
    let pollMs = 0;
    for (;;) {
      const p0 = performance.now();
      const { status } = await this.status(runId);
      pollMs = performance.now() - p0;
      if (status === "completed") break;
      if (status === "failed" || status === "cancelled") {
        throw new Error(`run ${runId} ended ${status}`);
      }
      if (performance.now() - t0 > RUN_DEADLINE_MS) throw new Error(`run ${runId} timed out`);
      await sleep(POLL_MS);
    }
    const wallMs = performance.now() - t0;
    const seenAt = Date.now();
    const i0 = performance.now();
    await this.status(runId);
    const idlePollMs = performance.now() - i0;
    const events = await this.events(runId);
    const projectedAt = await this.waitProjected(runId, executions);
    return { wallMs, startMs, sentAt, seenAt, pollMs, idlePollMs, projectedAt, events };
  }

  async events(runId: string): Promise<RunEvent[]> {
    const all: RunEvent[] = [];
    for (;;) {
      const after = all.at(-1)?.seq ?? 0;
      const { events } = await this.request<{ events: RunEvent[] }>(
        `/api/runs/${runId}/events?after=${after}&limit=5000`,
      );
      all.push(...events);
      if (events.length < 5000) return all;
    }
  }
}

/** The bench Worker's Workflows routes (bench/worker.ts). */
export class WorkflowsClient {
  constructor(private readonly base: string) {}

  /** The platform's own costs, measured inside the Worker (bench/worker.ts `probe`). */
  probe(url: string): Promise<Record<string, number>> {
    return call(`${this.base}/bench/probe?url=${encodeURIComponent(url)}`);
  }

  async run(params: BenchParams): Promise<WorkflowsRun> {
    const t0 = performance.now();
    const { id } = await call<{ id: string }>(`${this.base}/bench/workflows`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(params),
    });
    const startMs = performance.now() - t0;
    for (;;) {
      const s = await call<InstanceView>(`${this.base}/bench/workflows/${id}`);
      if (s.status === "complete") {
        return { wallMs: performance.now() - t0, startMs, output: s.output as BenchOutput };
      }
      if (s.status === "errored" || s.status === "terminated") {
        throw new Error(`workflow instance ${id} ${s.status}: ${JSON.stringify(s.error)}`);
      }
      if (performance.now() - t0 > RUN_DEADLINE_MS) throw new Error(`instance ${id} timed out`);
      await sleep(POLL_MS);
    }
  }
}
