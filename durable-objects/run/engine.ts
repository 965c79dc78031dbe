import type { IR, IRNode } from "../../core/compile/ir";
import { type NodeError, toNodeError } from "../../core/errors";
import type { RunContext } from "../../core/executors/context";
import { delayUntil, evaluateItems, runInline } from "../../core/executors/inline";
import { renderTemplates } from "../../core/expressions/template";
import type { Command } from "../../core/scheduler/commands";
import { step } from "../../core/scheduler/scheduler";
import type { Outcome, Signal } from "../../core/scheduler/signals";
import { createRunState, type RunState, TERMINAL_RUN } from "../../core/scheduler/state";
import { protectSecretRefs } from "../../core/secrets/refs";
import type { ExecuteJob } from "../../core/wire/node-job";
import type { NodeResult } from "../../core/wire/node-result";
import { putBlob } from "../../workers/platform/cas";
import { addressOf } from "../../workers/platform/hash";
import { executeHttp } from "../../workers/platform/http-executor";
import type { ApprovalBook, DecisionRefusal, Vote } from "./approvals";
import { buildContext } from "./context";
import { dropStaleChain, executeFusedChain } from "./fused";
import { projectApprovals, projectRun } from "./projection";
import { OutputReuse } from "./reuse";
import type { RunMeta, RunStore, StoredEvent } from "./store";

/** Largest node output kept (inline in SQLite, and in R2). Bigger outputs fail the node. */
export const MAX_OUTPUT_BYTES = 1024 * 1024;
const QUEUE_BATCH = 100;

type SignalBody = Signal extends infer S ? (S extends Signal ? Omit<S, "now"> : never) : never;

interface Pending {
  signal: SignalBody;
  /** The value an execution produced; stored only if the scheduler accepts the result. */
  output?: unknown;
  /** A fused chain's follower outputs by node id (durable-objects/run/fused.ts). */
  outputs?: Record<string, unknown>;
  /** Added to the node's success event: where a reused output came from (reuse.ts). */
  annotate?: Record<string, unknown>;
  /** The IR a fused chain was evaluated under (fused.ts dropStaleChain). */
  ir?: IR;
  /** Settled once the step for this signal is committed (or could not be). */
  committed?: () => void;
  failed?: (err: unknown) => void;
}

interface Loaded {
  meta: RunMeta;
  ir: IR;
  state: RunState;
  context: RunContext;
}

/** Recorded results of a source run that a replay reuses instead of executing. */
export interface ReplaySeed {
  sourceRunId: string;
  fromNode: string;
  recorded: Record<string, { port: string | null; output: unknown }>;
}

export interface CreateRun {
  meta: RunMeta;
  ir: IR;
  input: unknown;
  replay?: ReplaySeed;
}

/**
 * The RunObject's engine: feeds signals to the pure scheduler one at a time, persists what each
 * step changed in one storage transaction, then carries out its commands (inline execution,
 * queue sends, timers). Invariant: state is durable before any effect of it leaves the object.
 */
export class RunEngine {
  private run: Loaded | null = null;
  private readonly queue: Pending[] = [];
  private pumping: Promise<void> | null = null;
  private flushing: Promise<void> | null = null;
  private alarmAt: number | null = null;
  private projectedStatus: string | null = null;
  private projecting: Promise<void> = Promise.resolve();
  /** Called with every event once it is durable (live subscribers). */
  onEvents: (events: StoredEvent[]) => void = () => {};

  /** When this run is a replay: the source's results reused for upstream nodes. */
  private replay: ReplaySeed | null = null;
  /** Approvals (node:attempt) whose D1 row must be written. */
  private readonly approvalsDirty = new Set<string>();
  /** Semantic cache and coalesced GETs (the optimiser's run-time half). */
  readonly reuse: OutputReuse;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
    private readonly store: RunStore,
    private readonly approvals: ApprovalBook,
  ) {
    this.reuse = new OutputReuse({
      env,
      run: () => this.run!,
      push: (result) => {
        this.queue.push(result);
        void this.kick();
      },
      dispatch: (command) => this.dispatch(command),
    });
    const loaded = store.load();
    if (loaded) {
      const context = buildContext(loaded.meta, loaded.ir, loaded.input, loaded.state, store);
      this.run = { meta: loaded.meta, ir: loaded.ir, state: loaded.state, context };
      this.projectedStatus = loaded.state.status;
      this.replay = store.getMeta<ReplaySeed>("replay") ?? null;
    }
  }

  get loaded(): Loaded | null {
    return this.run;
  }

  /** Creates the run and starts it. Idempotent: a second call for the same run changes nothing. */
  async create(init: CreateRun): Promise<void> {
    if (this.run) return;
    const state = createRunState(init.ir, init.meta.runId, init.meta.createdAt);
    this.storage.transactionSync(() => {
      this.store.create(init.meta, init.ir, init.input, state);
      if (init.replay) this.store.setMeta("replay", init.replay);
    });
    this.replay = init.replay ?? null;
    const context = buildContext(init.meta, init.ir, init.input, state, this.store);
    this.run = { meta: init.meta, ir: init.ir, state, context };
    await this.enqueue([{ signal: { type: "start" } }]);
  }

  cancel(reason?: string): Promise<void> {
    return this.enqueue([{ signal: reason ? { type: "cancel", reason } : { type: "cancel" } }]);
  }

  /** Results reported by the runner (one RPC per run per consumer batch). */
  complete(results: NodeResult[]): Promise<void> {
    return this.enqueue(
      results.map((r): Pending => {
        const outcome: Outcome = r.outcome.ok
          ? { ok: true, port: r.outcome.port }
          : { ok: false, error: r.outcome.error };
        const output = r.outcome.ok ? r.outcome.output : undefined;
        if (r.index !== undefined) {
          return {
            signal: {
              type: "item_result",
              nodeId: r.nodeId,
              attempt: r.attempt,
              index: r.index,
              itemAttempt: r.itemAttempt ?? 1,
              outcome,
            },
            output,
          };
        }
        return {
          signal: {
            type: "result",
            nodeId: r.nodeId,
            attempt: r.attempt,
            outcome,
            startedAt: r.startedAt,
          },
          output,
        };
      }),
    );
  }

  /** Fires due timers; on a fresh wake, first re-runs pure work a restart interrupted. */
  async alarm(): Promise<void> {
    this.alarmAt = null;
    if (!this.run) return;
    this.recover();
    const due = this.storage.transactionSync(() => this.store.takeDueTimers(Date.now()));
    await this.enqueue(
      due.map((timer) => ({ signal: { type: "timer", timer } })),
      "drain",
    );
    await this.syncAlarm();
    this.flushBlobs();
  }

  private recovered = false;

  /**
   * Pure inline work holds no lease: if the object restarted while a node was running inline,
   * run it again (same attempt; results are accepted once). Queued and inline-http work has
   * leases and comes back through its timer.
   */
  recover(): void {
    if (this.recovered || !this.run) return;
    this.recovered = true;
    const { ir, state } = this.run;
    for (const node of ir.nodes) {
      const st = state.nodes[node.id]!;
      if (st.status !== "running") continue;
      if (node.type === "map" && st.map) {
        st.map.items.forEach((item, index) => {
          if (item === "running" && node.body?.mode === "inline" && node.body.type !== "http") {
            void this.execute({
              type: "execute_item",
              nodeId: node.id,
              attempt: st.attempt,
              index,
              itemAttempt: st.map!.tries[index]!,
              mode: "inline",
              timeoutMs: node.body.timeoutMs,
            });
          }
        });
      } else if ((node.mode === "inline" && node.type !== "http") || node.mode === "wait") {
        void this.execute({
          type: "execute",
          nodeId: node.id,
          attempt: st.attempt,
          iteration: st.iteration,
          mode: node.mode,
          timeoutMs: node.timeoutMs,
        });
      }
    }
    this.flushBlobs();
  }

  needsRecovery(): boolean {
    if (!this.run || TERMINAL_RUN.has(this.run.state.status)) return false;
    return Object.values(this.run.state.nodes).some((n) => n.status === "running");
  }

  // ---- the pump ------------------------------------------------------------------------------

  /**
   * Queues signals. Resolves once they are committed (`commit`: what RPC callers need, so a run's
   * inline work does not hold them), or once the pump is idle (`drain`).
   */
  private enqueue(items: Pending[], waitFor: "commit" | "drain" = "commit"): Promise<void> {
    const committed = items.map(
      (item) =>
        new Promise<void>((resolve, reject) => {
          item.committed = resolve;
          item.failed = reject;
        }),
    );
    this.queue.push(...items);
    const pump = this.kick();
    return waitFor === "drain" ? pump : Promise.all(committed).then(() => undefined);
  }

  /** Runs the pump unless it is running; the pump works until the signal queue is empty. */
  private kick(): Promise<void> {
    if (!this.pumping) {
      this.pumping = (async () => {
        while (this.queue.length > 0) await this.pumpOnce();
      })()
        .catch((err: unknown) => console.error(JSON.stringify({ at: "pump", error: String(err) })))
        .finally(() => {
          this.pumping = null;
          if (this.queue.length > 0) void this.kick();
        });
    }
    return this.pumping;
  }

  private async pumpOnce(): Promise<void> {
    const run = this.run;
    if (!run) throw new Error("run not created");
    const jobs: ExecuteJob[] = [];
    let finished = false;
    while (this.queue.length > 0) {
      const item = this.queue.shift()!;
      this.queue.push(...this.reuse.observe(item));
      dropStaleChain(item, run.ir);
      const now = Date.now();
      const signal = { ...item.signal, now } as Signal;
      const stepEvents: StoredEvent[] = [];
      let result: ReturnType<typeof step>;
      try {
        // The step and its persistence are one unit: if writing fails, the in-memory state
        // would be ahead of storage, so reload it from storage.
        result = step(run.ir, run.state, signal);
        this.storage.transactionSync(() => {
          for (const id of result.dirtyNodes) this.store.saveNode(id, run.state.nodes[id]!);
          for (const i of result.dirtyEdges) this.store.saveEdge(i, run.state.edges[i]!);
          this.store.saveRun(run.state);
          for (const command of result.commands) {
            const event = this.apply(command, item, signal, now);
            if (event) stepEvents.push(event);
          }
        });
      } catch (err) {
        this.reload();
        item.failed?.(err);
        continue;
      }
      item.committed?.();
      if (stepEvents.length > 0) this.onEvents(stepEvents);
      for (const id of result.dirtyNodes) {
        const entry = run.context.nodes[id];
        if (entry) entry.status = run.state.nodes[id]!.status;
      }
      for (const command of result.commands) {
        if (command.type === "finish") finished = true;
        if (command.type !== "execute" && command.type !== "execute_item") continue;
        if (command.type === "execute" && this.replayed(command)) continue;
        if (this.reuse.intercept(command)) continue;
        if (command.mode === "queued") {
          const job = await this.toJob(command);
          if (job) jobs.push(job);
        } else {
          await this.execute(command);
        }
      }
    }
    for (let i = 0; i < jobs.length; i += QUEUE_BATCH) {
      await this.env.NODE_WORK.sendBatch(jobs.slice(i, i + QUEUE_BATCH).map((body) => ({ body })));
    }
    await this.syncAlarm();
    this.flushBlobs();
    if (finished || run.state.status !== this.projectedStatus || this.approvalsDirty.size > 0) {
      this.projectInBackground();
    }
  }

  /** Replaces the in-memory run with what storage holds (after a failed step). */
  private reload(): void {
    const loaded = this.store.load();
    if (!loaded) return;
    const context = buildContext(loaded.meta, loaded.ir, loaded.input, loaded.state, this.store);
    this.run = { meta: loaded.meta, ir: loaded.ir, state: loaded.state, context };
  }

  /** Applies a non-execute command inside the step's transaction; returns the stored event. */
  private apply(command: Command, item: Pending, signal: Signal, now: number): StoredEvent | null {
    const run = this.run!;
    switch (command.type) {
      case "set_timer":
        this.store.setTimer(command.timer);
        return null;
      case "clear_timer":
        this.store.clearTimer(command.key);
        return null;
      case "finish":
        this.store.clearAllTimers();
        return null;
      case "execute":
      case "execute_item":
        return null;
      case "emit": {
        const event = command.event;
        const nodeId = event.nodeId;
        const st = nodeId === undefined ? undefined : run.state.nodes[nodeId];
        const data = { ...(event.data ?? {}) };
        if (event.type === "node_succeeded" && nodeId && st) {
          const hash = this.storeOutput(nodeId, item, signal);
          data.outputHash = hash;
          if (item.annotate && signal.type === "result" && signal.nodeId === nodeId) {
            Object.assign(data, item.annotate);
          }
          if (this.replay?.recorded[nodeId] && st.iteration === 0) {
            data.replayedFrom = this.replay.sourceRunId;
          }
          this.store.recordExecution(nodeId, this.typeOf(nodeId), st, "succeeded", hash, null);
        } else if (event.type === "map_item_succeeded" && nodeId && signal.type === "item_result") {
          this.store.saveMapItem(nodeId, signal.index, addressOf(item.output ?? null).json);
        } else if (
          (event.type === "node_failed" || event.type === "node_retrying") &&
          nodeId &&
          st
        ) {
          this.store.recordExecution(
            nodeId,
            this.typeOf(nodeId),
            st,
            "failed",
            null,
            (data.error as NodeError) ?? null,
          );
        } else if (event.type === "node_skipped" && nodeId && data.reason === "unknown_type") {
          this.storeValue(nodeId, null);
        } else if (event.type === "approval_required" && nodeId) {
          this.approvalsDirty.add(`${nodeId}:${data.attempt}`);
        } else if (event.type === "approval_decided" && nodeId) {
          const decision = data.decision as "approved" | "rejected" | "timeout";
          this.approvals.close(
            nodeId,
            data.attempt as number,
            data.timedOut ? "timeout" : decision,
            now,
          );
          this.approvalsDirty.add(`${nodeId}:${data.attempt}`);
        } else if (event.type === "run_cancelled") {
          for (const request of this.approvals.pending()) {
            this.approvals.close(request.nodeId, request.attempt, "cancelled", now);
            this.approvalsDirty.add(`${request.nodeId}:${request.attempt}`);
          }
        }
        return this.store.appendEvent({ ...event, data }, now);
      }
      default:
        return null;
    }
  }

  /** Stores the output of a node that just succeeded and returns its hash. */
  private storeOutput(nodeId: string, item: Pending, signal: Signal): string {
    const run = this.run!;
    const node = run.ir.nodes[run.ir.byId[nodeId]!]!;
    const ownResult =
      (signal.type === "result" || signal.type === "decide") && signal.nodeId === nodeId;
    if (ownResult && item.output !== undefined) return this.storeValue(nodeId, item.output);
    if (item.outputs?.[nodeId] !== undefined) return this.storeValue(nodeId, item.outputs[nodeId]);
    if (node.type === "map") {
      const json = run.state.nodes[nodeId]!.map ? this.store.mapOutputJson(nodeId) : "[]";
      return this.storeValue(nodeId, JSON.parse(json) as unknown);
    }
    if (node.type === "approval" && signal.type === "timer") {
      const port = run.state.nodes[nodeId]!.port ?? "timeout";
      return this.storeValue(nodeId, { decision: port, timedOut: true, votes: [] });
    }
    const own =
      ((signal.type === "result" || signal.type === "decide") && signal.nodeId === nodeId) ||
      (signal.type === "timer" && signal.timer.nodeId === nodeId);
    return this.storeValue(nodeId, own && item.output !== undefined ? item.output : null);
  }

  private storeValue(nodeId: string, value: unknown): string {
    const { hash, json } = addressOf(value);
    this.store.saveOutput(nodeId, hash, json);
    const entry = this.run!.context.nodes[nodeId];
    if (entry) entry.output = value;
    return hash;
  }

  // ---- execution -----------------------------------------------------------------------------

  /** Runs inline or wait work; its result comes back as a signal through the queue of signals. */
  private async execute(
    command: Extract<Command, { type: "execute" | "execute_item" }>,
  ): Promise<void> {
    const run = this.run!;
    const node = run.ir.nodes[run.ir.byId[command.nodeId]!]!;
    const reply = (outcome: Outcome, output?: unknown) => {
      const pending = resultOf(command, outcome);
      if (output !== undefined) pending.output = output;
      this.queue.push(pending);
    };
    const step = command.type === "execute" ? node : node.body!;
    const context =
      command.type === "execute" ? run.context : this.itemContext(node, command.index);
    try {
      if (step.type === "http") {
        // Inline http: the DO fetches itself, without holding the pump; the lease covers a crash.
        void this.fetchInline(step.config, context, command.timeoutMs).then(
          (output) => void this.enqueueLater(reply, { ok: true, port: null }, output),
          (err: unknown) => void this.enqueueLater(reply, { ok: false, error: toNodeError(err) }),
        );
        return;
      }
      if (command.type === "execute" && node.type === "map") {
        const items = await evaluateItems(node.id, node.config, context);
        this.storage.transactionSync(() => this.store.saveMapList(node.id, command.attempt, items));
        this.queue.push({
          signal: { type: "items", nodeId: node.id, attempt: command.attempt, count: items.length },
        });
        return;
      }
      if (command.type === "execute" && node.type === "approval") {
        await this.openApproval(node, command.attempt, context);
        return;
      }
      if (command.type === "execute" && command.mode === "wait") {
        const until = await delayUntil(node.id, node.config, context, Date.now());
        this.queue.push({
          signal: { type: "wait", nodeId: node.id, attempt: command.attempt, until },
        });
        return;
      }
      if (command.type === "execute" && node.fused) {
        const from = this.firedFrom(node);
        this.queue.push(
          await executeFusedChain(run.ir, node, command.attempt, context, from, MAX_OUTPUT_BYTES),
        );
        return;
      }
      const result = await runInline(
        { id: node.id, type: step.type, config: step.config, firedFrom: this.firedFrom(node) },
        context,
      );
      const size = addressOf(result.output).json.length;
      if (size > MAX_OUTPUT_BYTES) {
        reply({
          ok: false,
          error: {
            code: "output_too_large",
            message: `output is ${size} bytes; the limit is ${MAX_OUTPUT_BYTES}`,
            retryable: false,
          },
        });
        return;
      }
      reply({ ok: true, port: result.port }, result.output);
    } catch (err) {
      reply({ ok: false, error: toNodeError(err) });
    }
  }

  /** Executes a command that reuse.ts deferred while it looked the node up. */
  private async dispatch(command: Extract<Command, { type: "execute" }>): Promise<void> {
    if (command.mode === "queued") {
      const job = await this.toJob(command);
      if (job) await this.env.NODE_WORK.send(job);
    } else {
      await this.execute(command);
    }
    await this.kick();
  }

  private async enqueueLater(
    reply: (outcome: Outcome, output?: unknown) => void,
    outcome: Outcome,
    output?: unknown,
  ): Promise<void> {
    reply(outcome, output);
    await this.kick();
  }

  private async fetchInline(
    config: Record<string, unknown>,
    context: RunContext,
    timeoutMs: number,
  ) {
    const rendered = (await renderTemplates(protectSecretRefs(config), context)) as Record<
      string,
      unknown
    >;
    return executeHttp(this.env, this.run!.meta.tenantId, rendered, timeoutMs);
  }

  private async toJob(
    command: Extract<Command, { type: "execute" | "execute_item" }>,
  ): Promise<ExecuteJob | null> {
    const run = this.run!;
    const node = run.ir.nodes[run.ir.byId[command.nodeId]!]!;
    const step = command.type === "execute" ? node : node.body!;
    const context =
      command.type === "execute" ? run.context : this.itemContext(node, command.index);
    try {
      const config = (await renderTemplates(protectSecretRefs(step.config), context)) as Record<
        string,
        unknown
      >;
      const job: ExecuteJob = {
        type: "execute",
        runId: run.meta.runId,
        tenantId: run.meta.tenantId,
        nodeId: node.id,
        attempt: command.attempt,
        step: { type: step.type, config },
        timeoutMs: command.timeoutMs,
      };
      if (command.type === "execute_item") {
        job.index = command.index;
        job.itemAttempt = command.itemAttempt;
      }
      return job;
    } catch (err) {
      const error = toNodeError(err);
      const outcome: Outcome = { ok: false, error: { ...error, retryable: false } };
      this.queue.push(resultOf(command, outcome));
      return null;
    }
  }

  /**
   * In a replay, an upstream node's first execution reuses the source run's recorded result:
   * nothing is executed or fetched again.
   */
  private replayed(command: Extract<Command, { type: "execute" }>): boolean {
    const recorded = this.replay?.recorded[command.nodeId];
    if (!recorded || command.iteration !== 0) return false;
    this.queue.push({
      signal: {
        type: "result",
        nodeId: command.nodeId,
        attempt: command.attempt,
        outcome: { ok: true, port: recorded.port },
      },
      output: recorded.output,
    });
    return true;
  }

  replayOf(): ReplaySeed | null {
    return this.replay;
  }

  /** Succeeded nodes' ports and outputs, for a replay of this run. */
  recorded(nodeIds: string[]): ReplaySeed["recorded"] {
    const run = this.run;
    const out: ReplaySeed["recorded"] = {};
    if (!run) return out;
    const outputs = new Map(this.store.outputs().map((o) => [o.nodeId, o.json]));
    for (const id of nodeIds) {
      const st = run.state.nodes[id];
      if (st?.status !== "succeeded") continue;
      out[id] = { port: st.port ?? null, output: JSON.parse(outputs.get(id) ?? "null") as unknown };
    }
    return out;
  }

  /** Renders the approval's message, records the request and parks the node. */
  private async openApproval(node: IRNode, attempt: number, context: RunContext): Promise<void> {
    const config = node.config as {
      message: string;
      form?: Record<string, unknown>;
      timeoutSeconds?: number;
      required?: number;
    };
    const message = String(await renderTemplates(config.message, context));
    const createdAt = Date.now();
    const expiresAt = config.timeoutSeconds ? createdAt + config.timeoutSeconds * 1000 : undefined;
    const required = config.required ?? 1;
    this.storage.transactionSync(() =>
      this.approvals.open({
        nodeId: node.id,
        attempt,
        message,
        required,
        createdAt,
        ...(config.form ? { form: config.form } : {}),
        ...(expiresAt === undefined ? {} : { expiresAt }),
      }),
    );
    this.queue.push({
      signal: {
        type: "wait",
        nodeId: node.id,
        attempt,
        until: expiresAt ?? null,
        reason: "approval",
        data: { message, form: config.form ?? null, required },
      },
    });
  }

  /**
   * A person's vote on an approval. Refusals (unknown node, not waiting, already decided, a form
   * that does not validate) record nothing. A vote that completes the quorum, or any rejection,
   * decides the node.
   */
  async decide(
    nodeId: string,
    vote: Omit<Vote, "at">,
  ): Promise<{ ok: true; approval: ReturnType<ApprovalBook["get"]> } | DecisionRefusal> {
    const run = this.run;
    if (!run || !Object.hasOwn(run.ir.byId, nodeId)) {
      return {
        ok: false,
        status: 404,
        code: "not_found",
        message: `the run has no node "${nodeId}"`,
      };
    }
    const node = run.ir.nodes[run.ir.byId[nodeId]!]!;
    const st = run.state.nodes[nodeId]!;
    if (node.type !== "approval") {
      return {
        ok: false,
        status: 409,
        code: "not_waiting",
        message: `node "${nodeId}" is a ${node.type}, not an approval`,
      };
    }
    const request = this.approvals.get(nodeId, st.attempt);
    if (request && request.status !== "pending") {
      return this.approvals.check(request, vote)!;
    }
    if (!request || st.status !== "waiting" || st.waitReason !== "approval") {
      return {
        ok: false,
        status: 409,
        code: "not_waiting",
        message: `node "${nodeId}" is not waiting for a decision (it is ${st.status})`,
      };
    }
    const refusal = this.approvals.check(request, vote);
    if (refusal) return refusal;
    const at = Date.now();
    const cast: Vote = { ...vote, at };
    const outcome = this.storage.transactionSync(() => this.approvals.cast(request, cast));
    this.approvalsDirty.add(`${nodeId}:${st.attempt}`);
    const votes = [...request.votes, cast];
    if (outcome) {
      const approving = votes.filter((v) => v.decision === "approve");
      const output = {
        decision: outcome,
        by: votes.map((v) => v.by),
        comment: cast.comment ?? null,
        data: approving.at(-1)?.data ?? null,
        votes: votes.map(({ by, decision, comment, at: when }) => ({
          by,
          decision,
          comment: comment ?? null,
          at: when,
        })),
      };
      await this.enqueue([
        {
          signal: {
            type: "decide",
            nodeId,
            attempt: st.attempt,
            port: outcome,
            data: { by: cast.by, comment: cast.comment ?? null, votes: output.votes },
          },
          output,
        },
      ]);
    } else {
      const event = this.storage.transactionSync(() =>
        this.store.appendEvent(
          {
            type: "approval_voted",
            nodeId,
            data: {
              attempt: st.attempt,
              by: cast.by,
              decision: cast.decision,
              approvals: votes.length,
              required: request.required,
            },
          },
          at,
        ),
      );
      this.onEvents([event]);
      this.projectInBackground();
    }
    return { ok: true, approval: this.approvals.get(nodeId, st.attempt) };
  }

  private typeOf(nodeId: string): string {
    const run = this.run!;
    return run.ir.nodes[run.ir.byId[nodeId]!]!.type;
  }

  private itemContext(node: IRNode, index: number): RunContext {
    const items = this.store.mapList(node.id);
    return { ...this.run!.context, item: items[index] ?? null, index };
  }

  private firedFrom(node: IRNode): string[] {
    const run = this.run!;
    return node.in.filter((i) => run.state.edges[i] === "fired").map((i) => run.ir.edges[i]!.from);
  }

  // ---- side effects after a step -------------------------------------------------------------

  private async syncAlarm(): Promise<void> {
    const next = this.store.nextTimerAt();
    if (next === this.alarmAt) return;
    this.alarmAt = next;
    if (next === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(next);
  }

  /** Writes outbox blobs to R2 in the background; the outbox keeps them until written. */
  private flushBlobs(): void {
    if (this.flushing) return;
    this.flushing = (async () => {
      for (;;) {
        const batch = this.store.pendingBlobs(32);
        if (batch.length === 0) return;
        await Promise.all(
          batch.map(async ({ hash, json }) => {
            await putBlob(this.env.BLOBS, hash, json);
            this.store.blobWritten(hash);
          }),
        );
      }
    })()
      .catch((err: unknown) => console.error(JSON.stringify({ at: "cas", error: String(err) })))
      .finally(() => {
        this.flushing = null;
      });
  }

  /** D1 writes never hold the pump: they are chained in the background, in order. */
  private projectInBackground(): void {
    const run = this.run!;
    const approvals = [...this.approvalsDirty];
    this.approvalsDirty.clear();
    const status = run.state.status;
    this.projecting = this.projecting.then(async () => {
      try {
        await projectRun(this.env.DB, run.meta, run.state, this.store);
        await projectApprovals(this.env.DB, run.meta, this.approvals, approvals);
        this.projectedStatus = status;
      } catch (err) {
        console.error(
          JSON.stringify({ at: "projection", runId: run.meta.runId, error: String(err) }),
        );
      }
    });
  }

  /** Waits for the D1 projection written so far (tests and shutdown). */
  projected(): Promise<void> {
    return this.projecting;
  }
}

/** The signal that reports an execution's outcome: a node result, or a map item's. */
function resultOf(
  command: Extract<Command, { type: "execute" | "execute_item" }>,
  outcome: Outcome,
): Pending {
  return command.type === "execute"
    ? { signal: { type: "result", nodeId: command.nodeId, attempt: command.attempt, outcome } }
    : {
        signal: {
          type: "item_result",
          nodeId: command.nodeId,
          attempt: command.attempt,
          index: command.index,
          itemAttempt: command.itemAttempt,
          outcome,
        },
      };
}
