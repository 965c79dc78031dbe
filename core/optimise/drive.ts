/**
 * Test and bench support: runs an IR to the end with real values, the way the RunObject does,
 * but in memory. Pure kinds run through the real inline executors (JSONata), fused chains
 * through the real fused executor, http nodes through the real http executor against a
 * `server` function, the one stand-in: it plays the remote HTTP server. Requests of coalesced
 * GETs go through the real RequestCoalescer. Deterministic: signals are processed first in
 * first out, and HTTP answers arrive when no other signal is waiting, in the order sent.
 *
 * Not covered (the random graphs do not use them): delay, approval, map, agent.
 */
import type { IR, IRNode } from "../compile/ir";
import { toNodeError } from "../errors";
import type { RunContext } from "../executors/context";
import { runFused } from "../executors/fused";
import { type FetchText, runHttp } from "../executors/http";
import { runInline } from "../executors/inline";
import { renderTemplates } from "../expressions/template";
import type { KindRegistry } from "../kinds/registry";
import type { Command, RunEventDraft } from "../scheduler/commands";
import { step } from "../scheduler/scheduler";
import type { Outcome, Signal, Timer } from "../scheduler/signals";
import {
  createRunState,
  type NodeStatus,
  type RunFailure,
  type RunState,
  type RunStatus,
} from "../scheduler/state";
import { RequestCoalescer, requestKey } from "./coalescer";

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

type Body = Signal extends infer S ? (S extends Signal ? Omit<S, "now"> : never) : never;

interface Pending {
  signal: Body;
  output?: unknown;
  outputs?: Record<string, unknown>;
}

const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * @example
 * const r = await drive(compile(def), { input: { n: 1 }, server: () => ({ status: 200, body: "{}" }) });
 * r.outputs.done; // the end node's output
 */
export async function drive(ir: IR, options: DriveOptions = {}): Promise<DriveResult> {
  return new Driver(ir, options).run();
}

class Driver {
  private readonly state: RunState;
  private readonly context: RunContext;
  private readonly queue: Pending[] = [];
  /** HTTP answers on their way back, in the order the requests were sent. */
  private readonly network: (() => Promise<Pending[]>)[] = [];
  private readonly timers = new Map<string, Timer>();
  private readonly coalescer = new RequestCoalescer();
  private readonly result: DriveResult;
  private clock = 0;
  private finished = false;

  constructor(
    private readonly ir: IR,
    private readonly options: DriveOptions,
  ) {
    this.state = createRunState(ir, "run_drive", 0);
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
    const maxSteps = this.options.maxSteps ?? 50_000;
    await this.apply({ signal: { type: "start" } });
    while (!this.finished && this.result.steps < maxSteps) {
      const next = this.queue.shift();
      if (next) {
        await this.apply(next);
        continue;
      }
      const answer = this.network.shift();
      if (answer) {
        this.queue.push(...(await answer()));
        continue;
      }
      const timer = [...this.timers.values()].sort((a, b) => a.at - b.at)[0];
      if (!timer) break;
      this.timers.delete(timer.key);
      this.clock = Math.max(this.clock, timer.at);
      await this.apply({ signal: { type: "timer", timer } });
    }
    for (const n of this.ir.nodes) this.result.statuses[n.id] = this.state.nodes[n.id]!.status;
    this.result.status = this.state.status;
    this.result.requestsSaved = this.coalescer.saved;
    if (this.state.failure) this.result.failure = this.state.failure;
    return this.result;
  }

  private async apply(item: Pending): Promise<void> {
    const signal = { ...item.signal, now: this.clock } as Signal;
    if (signal.type === "result") this.settleFlight(signal, item);
    const { commands, dirtyNodes } = step(this.ir, this.state, signal, this.options.kinds);
    this.result.steps++;
    for (const c of commands) {
      if (c.type === "emit") {
        this.result.events.push(c.event);
        if (c.event.type === "node_succeeded" && c.event.nodeId)
          this.record(c.event.nodeId, item, signal);
      } else if (c.type === "set_timer") {
        this.timers.set(c.timer.key, c.timer);
      } else if (c.type === "clear_timer") {
        this.timers.delete(c.key);
      } else if (c.type === "finish") {
        this.finished = true;
      }
    }
    for (const id of dirtyNodes) this.context.nodes[id]!.status = this.state.nodes[id]!.status;
    for (const c of commands) {
      if (c.type === "execute") await this.execute(c);
      else if (c.type === "execute_item") throw new Error("drive: map nodes are not supported");
    }
  }

  private record(nodeId: string, item: Pending, signal: Signal): void {
    const own = signal.type === "result" && signal.nodeId === nodeId;
    const value = own ? item.output : item.outputs?.[nodeId];
    const output = value === undefined ? null : value;
    this.result.outputs[nodeId] = output;
    this.context.nodes[nodeId]!.output = output;
  }

  private node(id: string): IRNode {
    return this.ir.nodes[this.ir.byId[id]!]!;
  }

  private firedFrom(node: IRNode): string[] {
    return node.in
      .filter((i) => this.state.edges[i] === "fired")
      .map((i) => this.ir.edges[i]!.from);
  }

  private async execute(c: Extract<Command, { type: "execute" }>): Promise<void> {
    const node = this.node(c.nodeId);
    const reply = (outcome: Outcome, output?: unknown): Pending => {
      const p: Pending = {
        signal: { type: "result", nodeId: c.nodeId, attempt: c.attempt, outcome },
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
      this.queue.push(p);
      return;
    }
    this.result.evaluations++;
    try {
      const r = await runInline(
        { id: node.id, type: node.type, config: node.config, firedFrom: this.firedFrom(node) },
        this.context,
        this.options.kinds,
      );
      this.queue.push(reply({ ok: true, port: r.port }, r.output));
    } catch (err) {
      this.queue.push(reply({ ok: false, error: toNodeError(err) }));
    }
  }

  private async executeHttp(
    node: IRNode,
    c: Extract<Command, { type: "execute" }>,
    reply: (outcome: Outcome, output?: unknown) => Pending,
  ): Promise<void> {
    let config: Record<string, unknown>;
    try {
      config = (await renderTemplates(node.config, this.context)) as Record<string, unknown>;
    } catch (err) {
      this.queue.push(reply({ ok: false, error: { ...toNodeError(err), retryable: false } }));
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
        return [reply({ ok: true, port: null }, await sent)];
      } catch (err) {
        return [reply({ ok: false, error: toNodeError(err) })];
      }
    });
  }

  private send(config: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    const server = this.options.server;
    const fetchText: FetchText = async (url, init) => {
      const request: ServerRequest = { method: init.method, url, headers: init.headers };
      if (init.body !== undefined) request.body = init.body;
      this.result.requests.push(request);
      if (!server) throw new Error("drive: no server for an http node");
      const res = server(request);
      return { status: res.status, headers: res.headers ?? {}, body: res.body, url };
    };
    return runHttp(config, fetchText, timeoutMs);
  }

  private current(c: { nodeId: string; attempt: number }): boolean {
    const st = this.state.nodes[c.nodeId];
    return !!st && st.attempt === c.attempt && (st.status === "queued" || st.status === "running");
  }

  /** A leader's result is also each follower's. */
  private settleFlight(signal: Extract<Signal, { type: "result" }>, item: Pending): void {
    for (const f of this.coalescer.settle({ nodeId: signal.nodeId, attempt: signal.attempt })) {
      const p: Pending = {
        signal: { type: "result", nodeId: f.nodeId, attempt: f.attempt, outcome: signal.outcome },
      };
      if (item.output !== undefined) p.output = item.output;
      this.queue.push(p);
    }
  }
}
