/**
 * Test and bench support: runs an IR to the end with real values, the way the RunObject does,
 * but in memory: the one in-memory driver (`MemoryRun`, simulator.ts) with the real executors
 * answering its executions instead of an oracle. Pure kinds run through the real inline executors (JSONata), fused chains
 * through the real fused executor, http nodes through the real http executor against a
 * `server` function, the one stand-in: it plays the remote HTTP server. Requests of coalesced
 * GETs go through the real RequestCoalescer. Deterministic: signals are processed first in
 * first out (MemoryRun's FIFO policy), and HTTP answers arrive when no other signal is waiting,
 * in the order sent.
 *
 * Not covered (the random graphs do not use them): delay, approval, map, agent.
 */
import type { IR, IRNode } from "../../../core/compile/ir";
import { toNodeError } from "../../../core/errors";
import type { RunContext } from "../../../core/executors/context";
import { runFused } from "../../../core/executors/fused";
import { type FetchText, runHttp } from "../../../core/executors/http";
import { runInline } from "../../../core/executors/inline";
import { renderTemplates } from "../../../core/expressions/template";
import type { KindRegistry } from "../../../core/kinds/registry";
import { MAX_OUTPUT_BYTES } from "../../../core/limits/output";
import { RequestCoalescer, requestKey } from "../../../core/optimise/coalescer";
import type { Command, RunEventDraft } from "../../../core/scheduler/commands";
import type { Outcome, Signal } from "../../../core/scheduler/signals";
import type { NodeStatus, RunFailure, RunStatus } from "../../../core/scheduler/state";
import { type Delivery, type Execution, MemoryRun, type StepInfo } from "./simulator";

export interface ServerRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface ServerResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface DriveOptions {
  input?: unknown;
  /** The remote server; must answer from the request alone. */
  server?: (request: ServerRequest) => ServerResponse;
  maxSteps?: number;
  /** The kinds the IR was compiled with; the platform's by default. */
  kinds?: KindRegistry;
}

export interface DriveResult {
  status: RunStatus;
  statuses: Record<string, NodeStatus>;
  /** Recorded output of every node that produced one. */
  outputs: Record<string, unknown>;
  /** Requests that reached the server, in order. */
  requests: ServerRequest[];
  events: RunEventDraft[];
  /** Scheduler steps: each is one storage transaction in the RunObject. */
  steps: number;
  /** Inline steps evaluated (a fused chain counts each node it ran). */
  evaluations: number;
  /** Requests a coalesced GET did not send. */
  requestsSaved: number;
  failure?: RunFailure;
}

/**
 * @example
 * const r = await drive(compile(def), { input: { n: 1 }, server: () => ({ status: 200, body: "{}" }) });
 * r.outputs.done; // the end node's output
 */
export async function drive(ir: IR, options: DriveOptions = {}): Promise<DriveResult> {
  return new Driver(ir, options).run();
}

class Driver {
  private readonly memory: MemoryRun;
  private readonly context: RunContext;
  /** Executions the last step asked for, run (awaited) in order before the next step. */
  private readonly jobs: Execution[] = [];
  /** HTTP answers on their way back, in the order the requests were sent. */
  private readonly network: (() => Promise<Delivery>)[] = [];
  private readonly coalescer = new RequestCoalescer();
  private readonly result: DriveResult;

  constructor(
    private readonly ir: IR,
    private readonly options: DriveOptions,
  ) {
    this.memory = new MemoryRun(ir, (_, job) => this.jobs.push(job), {
      runId: "run_drive",
      maxSteps: options.maxSteps ?? 50_000,
      onDeliver: (d) => this.settleFlight(d),
      onStep: (info) => this.recordStep(info),
      ...(options.kinds ? { kinds: options.kinds } : {}),
    });
    const nodes: RunContext["nodes"] = {};
    for (const n of ir.nodes) nodes[n.id] = { status: "pending" };
    this.context = {
      input: options.input ?? null,
      nodes,
      run: { id: "run_drive", startedAt: new Date(0).toISOString(), workflowId: "wf", version: 1 },
    };
    this.result = {
      status: "running",
      statuses: {},
      outputs: {},
      requests: [],
      events: [],
      steps: 0,
      evaluations: 0,
      requestsSaved: 0,
    };
  }

  async run(): Promise<DriveResult> {
    const run = this.memory;
    run.start();
    await this.execute();
    // Deliveries first, then HTTP answers, then the earliest timer (MemoryRun's FIFO).
    while (!run.finished && run.steps < run.maxSteps) {
      const answer = run.pool.length === 0 ? this.network.shift() : undefined;
      if (answer) {
        run.pool.push(await answer());
        continue;
      }
      if (!run.advance()) break;
      await this.execute();
    }
    this.result.statuses = run.statuses();
    this.result.status = run.state.status;
    this.result.events = run.events;
    this.result.steps = run.steps;
    this.result.requestsSaved = this.coalescer.saved;
    if (run.state.failure) this.result.failure = run.state.failure;
    return this.result;
  }

  /** Outputs of the nodes a step saw succeed, and the statuses the expressions read. */
  private recordStep({ signal, result, delivery }: StepInfo): void {
    for (const c of result.commands) {
      if (c.type === "emit" && c.event.type === "node_succeeded" && c.event.nodeId)
        this.record(c.event.nodeId, signal, delivery);
    }
    for (const id of result.dirtyNodes)
      this.context.nodes[id]!.status = this.memory.state.nodes[id]!.status;
  }

  /** Runs the executions the last step asked for, in order. */
  private async execute(): Promise<void> {
    for (const job of this.jobs.splice(0)) {
      if (job.type === "execute_item") throw new Error("drive: map nodes are not supported");
      await this.executeNode(job);
    }
  }

  private record(nodeId: string, signal: Signal, item: Delivery | undefined): void {
    const own = signal.type === "result" && signal.nodeId === nodeId;
    const value = own ? item?.output : item?.outputs?.[nodeId];
    const output = value === undefined ? null : value;
    this.result.outputs[nodeId] = output;
    this.context.nodes[nodeId]!.output = output;
  }

  private node(id: string): IRNode {
    return this.ir.nodes[this.ir.byId[id]!]!;
  }

  private firedFrom(node: IRNode): string[] {
    return node.in
      .filter((i) => this.memory.state.edges[i] === "fired")
      .map((i) => this.ir.edges[i]!.from);
  }

  private async executeNode(c: Extract<Command, { type: "execute" }>): Promise<void> {
    const node = this.node(c.nodeId);
    const reply = (outcome: Outcome, output?: unknown): Delivery => {
      const p: Delivery = {
        signal: { type: "result", nodeId: c.nodeId, attempt: c.attempt, outcome, now: 0 },
      };
      if (output !== undefined) p.output = output;
      return p;
    };
    if (node.type === "http") {
      await this.executeHttp(node, c, reply);
      return;
    }
    if (c.mode === "wait" || node.type === "map") {
      throw new Error(`drive: ${node.type} nodes are not supported`);
    }
    if (node.fused) {
      const followers = node.fused.map((id) => {
        const f = this.node(id);
        return { id, type: f.type, config: f.config };
      });
      const results = await runFused(
        { id: node.id, type: node.type, config: node.config, firedFrom: this.firedFrom(node) },
        followers,
        this.context,
        MAX_OUTPUT_BYTES,
      );
      this.result.evaluations += results.length;
      const [first, ...rest] = results;
      const p = reply(first!.outcome, first!.output);
      (p.signal as Extract<Signal, { type: "result" }>).chain = rest.map((r) => ({
        nodeId: r.nodeId,
        outcome: r.outcome,
      }));
      p.outputs = Object.fromEntries(
        rest.flatMap((r) => (r.output === undefined ? [] : [[r.nodeId, r.output]])),
      );
      this.memory.pool.push(p);
      return;
    }
    this.result.evaluations++;
    try {
      const r = await runInline(
        { id: node.id, type: node.type, config: node.config, firedFrom: this.firedFrom(node) },
        this.context,
        this.options.kinds,
      );
      this.memory.pool.push(reply({ ok: true, port: r.port }, r.output));
    } catch (err) {
      this.memory.pool.push(reply({ ok: false, error: toNodeError(err) }));
    }
  }

  private async executeHttp(
    node: IRNode,
    c: Extract<Command, { type: "execute" }>,
    reply: (outcome: Outcome, output?: unknown) => Delivery,
  ): Promise<void> {
    let config: Record<string, unknown>;
    try {
      config = (await renderTemplates(node.config, this.context)) as Record<string, unknown>;
    } catch (err) {
      this.memory.pool.push(reply({ ok: false, error: { ...toNodeError(err), retryable: false } }));
      return;
    }
    if (node.coalesce) {
      const key = requestKey(config, node.timeoutMs);
      const who = { nodeId: node.id, attempt: c.attempt };
      // A follower sends nothing: the leader's answer becomes its result (settleFlight).
      if (key !== null && this.coalescer.claim(key, who, (l) => this.current(l)) === "follow") {
        return;
      }
    }
    // The request is sent now (its order is the order of sending); its answer comes back later.
    const sent = this.send(config, node.timeoutMs);
    this.network.push(async () => {
      try {
        return reply({ ok: true, port: null }, await sent);
      } catch (err) {
        return reply({ ok: false, error: toNodeError(err) });
      }
    });
  }

  private send(config: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    const server = this.options.server;
    const fetchText: FetchText = async (url, init) => {
      const request: ServerRequest = { method: init.method, url, headers: init.headers };
      // The simulated server takes text; a blob body (a marker) is sent as its JSON.
      if (init.body !== undefined)
        request.body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
      this.result.requests.push(request);
      if (!server) throw new Error("drive: no server for an http node");
      const res = server(request);
      return { status: res.status, headers: res.headers ?? {}, body: res.body, url };
    };
    return runHttp(config, fetchText, timeoutMs);
  }

  private current(c: { nodeId: string; attempt: number }): boolean {
    const st = this.memory.state.nodes[c.nodeId];
    return !!st && st.attempt === c.attempt && (st.status === "queued" || st.status === "running");
  }

  /** A leader's result is also each follower's. */
  private settleFlight(item: Delivery): void {
    const signal = item.signal;
    if (signal.type !== "result") return;
    for (const f of this.coalescer.settle({ nodeId: signal.nodeId, attempt: signal.attempt })) {
      const p: Delivery = {
        signal: {
          type: "result",
          nodeId: f.nodeId,
          attempt: f.attempt,
          outcome: signal.outcome,
          now: 0,
        },
      };
      if (item.output !== undefined) p.output = item.output;
      this.memory.pool.push(p);
    }
  }
}
