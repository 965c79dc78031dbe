import { type Budget, budgetQuestion, budgetReached, raiseBudget } from "../../core/agents/budget";
import type { IR, IRNode } from "../../core/compile/ir";
import { type NodeError, toNodeError } from "../../core/errors";
import type { RunContext } from "../../core/executors/context";
import { delayUntil, evaluateItems, runInline } from "../../core/executors/inline";
import { renderTemplates } from "../../core/expressions/template";
import {
  applyPatch,
  checkAgentPatch,
  checkLive,
  type Patch,
  type PatchSource,
  parseRunLimits,
  rebaseState,
} from "../../core/patches";
import type { Command } from "../../core/scheduler/commands";
import { step } from "../../core/scheduler/scheduler";
import type { Outcome, Signal } from "../../core/scheduler/signals";
import { createRunState, type RunState, TERMINAL_RUN } from "../../core/scheduler/state";
import { protectSecretRefs } from "../../core/secrets/refs";
import type { ExecuteJob } from "../../core/wire/node-job";
import type { NodeResult } from "../../core/wire/node-result";
import type { WorkflowDefinition } from "../../core/workflow/definition";
import { formatPath, type ValidationIssue } from "../../core/workflow/issues";
import { putBlob } from "../../workers/platform/cas";
import { addressOf } from "../../workers/platform/hash";
import { executeHttp } from "../../workers/platform/http-executor";
import { compileWorkflow } from "../../workers/platform/optimiser";
import type { ApprovalBook, DecisionRefusal, Vote } from "./approvals";
import { buildContext } from "./context";
import { dropStaleChain, executeFusedChain } from "./fused";
import type { PatchBook, PatchProblem, PatchRecord } from "./patches";
import { projectApprovals, projectPatches, projectRun } from "./projection";
import { OutputReuse } from "./reuse";
import type { RunMeta, RunStore, StoredEvent } from "./store";
import type { ExecutionUsage, UsageLedger } from "./usage";

/** Largest node output kept (inline in SQLite, and in R2). Bigger outputs fail the node. */
export const MAX_OUTPUT_BYTES = 1024 * 1024;
const QUEUE_BATCH = 100;
/** Resolved inputs kept per attempt for the run view; bigger ones are kept as their size. */
const MAX_INPUT_BYTES = 16 * 1024;
/** Longest stretch of pump work before it lets other events of the object run. */
const YIELD_AFTER_MS = 10;

type SignalBody = Signal extends infer S ? (S extends Signal ? Omit<S, "now"> : never) : never;

interface Pending {
  signal: SignalBody;
  /** The value an execution produced; stored only if the scheduler accepts the result. */
  output?: unknown;
  /** Model usage the execution reported (agents): recorded even if the result is a duplicate. */
  usage?: ExecutionUsage;
  /** A patch to swap in before this (`patched`) step: checked against live state first. */
  swap?: Swap;
  /** A fused chain's follower outputs by node id (durable-objects/run/fused.ts). */
  outputs?: Record<string, unknown>;
  /** Added to the node's success event: where a reused output came from (reuse.ts). */
  annotate?: Record<string, unknown>;
  /** The IR a fused chain was evaluated under (fused.ts dropStaleChain). */
  ir?: IR;
  /**
   * A runner that reported this result and can run more jobs now (eager dispatch): http jobs
   * this step makes runnable go to it, in the RPC answer, instead of through the queue.
   */
  eager?: EagerRoom;
  /** Why the result arrived: `eager` when its job was handed back in an RPC answer. */
  delivery?: "queue" | "eager";
  /** Settled once the step for this signal is committed (or could not be). */
  committed?: () => void;
  failed?: (err: unknown) => void;
}

interface Swap {
  record: PatchRecord;
  patch: Patch;
  /** Set by the swap: the materialised definition and the nodes the patch added. */
  definition?: WorkflowDefinition;
  added?: string[];
}

/** Jobs one `complete` call may take back, shared by the results it reports. */
interface EagerRoom {
  room: number;
  jobs: ExecuteJob[];
}

/** A run's model budget: what it was created with, and what approvals raised it to. */
interface BudgetState {
  original: Budget;
  current: Budget;
}

export type PatchOutcome =
  | { ok: true; patch: PatchRecord }
  | { ok: false; status: 404 | 409; code: string; message: string };

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
  /** The validated base definition (patches apply to it); the IR is its compilation. */
  definition: WorkflowDefinition;
  ir: IR;
  input: unknown;
  replay?: ReplaySeed;
  budget?: Budget;
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
  /** Patches whose D1 row must be written. */
  private readonly patchesDirty = new Set<number>();

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
    private readonly patches: PatchBook,
    private readonly usage: UsageLedger,
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
      this.store.setMeta("definition", init.definition);
      if (init.replay) this.store.setMeta("replay", init.replay);
      if (init.budget) {
        this.store.setMeta("budget", { original: init.budget, current: init.budget });
      }
    });
    this.replay = init.replay ?? null;
    const context = buildContext(init.meta, init.ir, init.input, state, this.store);
    this.run = { meta: init.meta, ir: init.ir, state, context };
    await this.enqueue([{ signal: { type: "start" } }]);
  }

  cancel(reason?: string): Promise<void> {
    return this.enqueue([{ signal: reason ? { type: "cancel", reason } : { type: "cancel" } }]);
  }

  /**
   * Results reported by the runner (one RPC per run per consumer batch). With `room` > 0 the
   * runner offers to run up to that many http jobs now: the jobs these results make runnable are
   * returned (eager dispatch, ARCHITECTURE.md) instead of sent to the queue, once their step is
   * committed. Each keeps its lease, so a runner that dies with one is covered by the alarm.
   */
  async complete(results: NodeResult[], room = 0): Promise<ExecuteJob[]> {
    const eager: EagerRoom | undefined = room > 0 ? { room, jobs: [] } : undefined;
    await this.enqueue(
      results.map((r): Pending => {
        const outcome: Outcome = r.outcome.ok
          ? { ok: true, port: r.outcome.port }
          : { ok: false, error: r.outcome.error };
        const output = r.outcome.ok ? r.outcome.output : undefined;
        const usage = r.usage ? { usage: r.usage } : {};
        const via = {
          ...(eager ? { eager } : {}),
          ...(r.delivery ? { delivery: r.delivery } : {}),
        };
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
            ...via,
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
          ...usage,
          ...via,
        };
      }),
    );
    return eager?.jobs ?? [];
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
    if (!this.run) throw new Error("run not created");
    const jobs: ExecuteJob[] = [];
    let finished = false;
    let sliceStart = Date.now();
    while (this.queue.length > 0) {
      // A long chain of pure inline steps would hold the object: every YIELD_AFTER_MS, give the
      // runtime a turn so RPC answers (a run's start) and WebSocket frames go out meanwhile.
      if (Date.now() - sliceStart >= YIELD_AFTER_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        sliceStart = Date.now();
      }
      // Re-read each step: a failed step reloads the run from storage.
      const run = this.run!;
      const item = this.queue.shift()!;
      this.queue.push(...this.reuse.observe(item));
      dropStaleChain(item, run.ir);
      const now = Date.now();
      const signal = { ...item.signal, now } as Signal;
      const stepEvents: StoredEvent[] = [];
      let result: ReturnType<typeof step>;
      try {
        if (item.swap && !this.swapIn(item.swap, signal, now, stepEvents)) {
          item.committed?.();
          this.onEvents(stepEvents);
          continue;
        }
        // The step and its persistence are one unit: if writing fails, the in-memory state
        // would be ahead of storage, so reload it from storage.
        result = step(run.ir, run.state, signal);
        this.storage.transactionSync(() => {
          if (item.swap) stepEvents.push(...this.persistSwap(item.swap, now));
          if (item.usage && (signal.type === "result" || signal.type === "item_result")) {
            this.usage.record(signal.nodeId, signal.attempt, item.usage);
          }
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
      // An eager report is answered with its jobs, so it settles once they are built (below).
      if (!item.eager) item.committed?.();
      if (stepEvents.length > 0) this.onEvents(stepEvents);
      for (const id of result.dirtyNodes) {
        const entry = run.context.nodes[id];
        if (entry) entry.status = run.state.nodes[id]!.status;
      }
      try {
        for (const command of result.commands) {
          if (command.type === "finish") finished = true;
          if (command.type !== "execute" && command.type !== "execute_item") continue;
          if (command.type === "execute" && this.replayed(command)) continue;
          if (command.type === "execute" && this.heldByBudget(command)) continue;
          if (this.reuse.intercept(command)) continue;
          if (command.mode === "queued") {
            const job = await this.toJob(command);
            if (!job) continue;
            const eager = item.eager;
            if (eager && job.step.type === "http" && eager.jobs.length < eager.room) {
              eager.jobs.push(job);
            } else {
              jobs.push(job);
            }
          } else {
            await this.execute(command);
          }
        }
      } finally {
        if (item.eager) item.committed?.();
      }
    }
    for (let i = 0; i < jobs.length; i += QUEUE_BATCH) {
      await this.env.NODE_WORK.sendBatch(jobs.slice(i, i + QUEUE_BATCH).map((body) => ({ body })));
    }
    await this.syncAlarm();
    this.flushBlobs();
    const run = this.run!;
    if (
      finished ||
      run.state.status !== this.projectedStatus ||
      this.approvalsDirty.size > 0 ||
      this.patchesDirty.size > 0
    ) {
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
        const own = signal.type === "result" && signal.nodeId === nodeId;
        if (
          own &&
          item.usage &&
          (event.type === "node_succeeded" || event.type === "node_failed")
        ) {
          data.usage = item.usage;
        }
        if (own && item.delivery && event.type === "node_started") data.delivery = item.delivery;
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

  // ---- patches -------------------------------------------------------------------------------

  /** The graph the run executes now (base + accepted patches) and each node's status. */
  materialised(): { definition: WorkflowDefinition; statuses: Record<string, string> } | null {
    const run = this.run;
    const definition = this.store.getMeta<WorkflowDefinition>("definition");
    if (!run || !definition) return null;
    const statuses: Record<string, string> = {};
    for (const n of run.ir.nodes) statuses[n.id] = run.state.nodes[n.id]!.status;
    return { definition, statuses };
  }

  /**
   * A patch proposed by an agent or a person. Recorded first (`patch_proposed`), then checked
   * by the materialiser (graph rules, limits) and, in the step that applies it, against live
   * state; it ends `applied` (the IR is swapped and newly runnable nodes dispatched) or
   * `rejected` with every problem. Refusals before recording (no run, run finished, too many
   * proposals) record nothing.
   */
  async proposePatch(patch: Patch, source: PatchSource): Promise<PatchOutcome> {
    const run = this.run;
    const current = this.store.getMeta<WorkflowDefinition>("definition");
    if (!run || !current) {
      return { ok: false, status: 404, code: "not_found", message: "the run does not exist" };
    }
    if (TERMINAL_RUN.has(run.state.status)) {
      return {
        ok: false,
        status: 409,
        code: "run_finished",
        message: `the run is ${run.state.status}; a finished run cannot be patched`,
      };
    }
    const limits = parseRunLimits(this.env.AOB_RUN_LIMITS);
    if (this.patches.count() >= limits.proposalsPerRun) {
      return {
        ok: false,
        status: 409,
        code: "limit_exceeded",
        message: `limit proposalsPerRun is ${limits.proposalsPerRun}: this run takes no more patches`,
      };
    }
    const now = Date.now();
    const { record, event } = this.storage.transactionSync(() => {
      const r = this.patches.propose(patch, source, now);
      const e = this.store.appendEvent(
        {
          type: "patch_proposed",
          ...(source.kind === "agent" ? { nodeId: source.nodeId } : {}),
          data: { patchId: r.id, source, ops: patch.ops, reason: patch.reason ?? null },
        },
        now,
      );
      return { record: r, event: e };
    });
    this.patchesDirty.add(record.id);
    this.onEvents([event]);
    await this.enqueue([
      { signal: { type: "patched", addedEdges: [], touched: [] }, swap: { record, patch } },
    ]);
    return { ok: true, patch: this.patches.get(record.id)! };
  }

  /**
   * Runs in the pump, so patches apply one at a time against the latest graph: the run limits,
   * the materialiser (graph rules), the compiler, then the live check; then the swap, in memory
   * (the step's transaction persists it): the new IR, the state rebased onto it, the `patched`
   * signal filled in. False (and the patch rejected) if any layer refuses it.
   */
  private swapIn(swap: Swap, signal: Signal, now: number, events: StoredEvent[]): boolean {
    const run = this.run!;
    const refuse = (issues: ValidationIssue[]) => {
      events.push(...this.rejectPatch(swap.record.id, issues, now, false));
      return false;
    };
    const issue = (code: string, message: string): ValidationIssue[] => [
      { path: [], code, message, severity: "error" },
    ];
    if (TERMINAL_RUN.has(run.state.status)) {
      return refuse(issue("run_finished", `the run is ${run.state.status}`));
    }
    const limits = parseRunLimits(this.env.AOB_RUN_LIMITS);
    if (this.patches.appliedCount() >= limits.patchesPerRun) {
      return refuse(
        issue(
          "limit_exceeded",
          `limit patchesPerRun is ${limits.patchesPerRun}: no more patches can be applied to this run`,
        ),
      );
    }
    if (swap.record.source.kind === "agent") {
      const forbidden = checkAgentPatch(swap.patch);
      if (forbidden.length > 0) return refuse(forbidden);
    }
    const current = this.store.getMeta<WorkflowDefinition>("definition")!;
    const applied = applyPatch(current, swap.patch, limits);
    if (!applied.ok) return refuse(applied.errors);
    const live = checkLive(run.ir, run.state, swap.patch);
    if (live.length > 0) return refuse(live);
    const ir = compileWorkflow(applied.definition);
    swap.definition = applied.definition;
    const rebased = rebaseState(run.ir, ir, run.state);
    run.ir = ir;
    for (const id of rebased.addedNodes) run.context.nodes[id] = { status: "pending" };
    const patched = signal as Extract<Signal, { type: "patched" }>;
    patched.addedEdges = rebased.addedEdges;
    patched.touched = rebased.touched;
    swap.added = rebased.addedNodes;
    return true;
  }

  /** Inside the step's transaction: the swapped graph, the rebased edges, the patch applied. */
  private persistSwap(swap: Swap, now: number): StoredEvent[] {
    const run = this.run!;
    this.store.setMeta("ir", run.ir);
    this.store.setMeta("definition", swap.definition!);
    this.store.replaceEdges(run.state.edges);
    for (const id of swap.added ?? []) this.store.saveNode(id, run.state.nodes[id]!);
    this.patches.decide(swap.record.id, "applied", [], now);
    this.patchesDirty.add(swap.record.id);
    return [
      this.store.appendEvent(
        {
          type: "patch_applied",
          ...(swap.record.source.kind === "agent" ? { nodeId: swap.record.source.nodeId } : {}),
          data: { patchId: swap.record.id, addedNodes: swap.added ?? [], ops: swap.patch.ops },
        },
        now,
      ),
    ];
  }

  /** Records a refusal and its event; returns the event (sent to live clients by the caller when asked). */
  private rejectPatch(
    id: number,
    issues: ValidationIssue[],
    now: number,
    broadcast = true,
  ): StoredEvent[] {
    const problems: PatchProblem[] = issues.map((i) => ({
      path: i.path,
      at: formatPath(i.path),
      code: i.code,
      message: i.message,
    }));
    const record = this.patches.get(id)!;
    const event = this.storage.transactionSync(() => {
      this.patches.decide(id, "rejected", problems, now);
      return this.store.appendEvent(
        {
          type: "patch_rejected",
          ...(record.source.kind === "agent" ? { nodeId: record.source.nodeId } : {}),
          data: { patchId: id, problems },
        },
        now,
      );
    });
    this.patchesDirty.add(id);
    if (broadcast) this.onEvents([event]);
    return [event];
  }

  patchList(): PatchRecord[] {
    return this.patches.all();
  }

  // ---- budget --------------------------------------------------------------------------------

  budget(): BudgetState | null {
    return this.store.getMeta<BudgetState>("budget") ?? null;
  }

  spent() {
    return this.usage.spent();
  }

  usageByNode() {
    return this.usage.byNode();
  }

  /**
   * Before an agent starts: if the run has spent its budget, park the node behind a generated
   * approval instead of dispatching it.
   */
  private heldByBudget(command: Extract<Command, { type: "execute" }>): boolean {
    const run = this.run!;
    if (run.ir.nodes[run.ir.byId[command.nodeId]!]!.type !== "agent") return false;
    const budget = this.budget();
    const spent = this.usage.spent();
    const reached = budget ? budgetReached(spent, budget.current) : null;
    if (!budget || !reached) return false;
    const message = budgetQuestion(spent, budget.current, budget.original);
    const createdAt = Date.now();
    this.storage.transactionSync(() =>
      this.approvals.open({
        nodeId: command.nodeId,
        attempt: command.attempt,
        message,
        required: 1,
        createdAt,
      }),
    );
    this.queue.push({
      signal: {
        type: "hold",
        nodeId: command.nodeId,
        attempt: command.attempt,
        data: { message, reached, spent, budget: budget.current, more: budget.original },
      },
    });
    return true;
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
        const attempt = command.type === "execute" ? command.attempt : null;
        void this.fetchInline(step.config, context, command.timeoutMs, node.id, attempt).then(
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
    nodeId: string,
    attempt: number | null,
  ) {
    const rendered = (await renderTemplates(protectSecretRefs(config), context)) as Record<
      string,
      unknown
    >;
    if (attempt !== null) this.store.saveInput(nodeId, attempt, rendered, MAX_INPUT_BYTES);
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
      const config =
        step.type === "agent"
          ? await agentConfig(step.config, context)
          : ((await renderTemplates(protectSecretRefs(step.config), context)) as Record<
              string,
              unknown
            >);
      if (command.type === "execute") {
        this.store.saveInput(node.id, command.attempt, config, MAX_INPUT_BYTES);
      }
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
    const budgetHold = st.status === "waiting" && st.waitReason === "budget";
    if (node.type !== "approval" && !budgetHold && !this.approvals.get(nodeId, st.attempt)) {
      return {
        ok: false,
        status: 409,
        code: "not_waiting",
        message: `node "${nodeId}" is a ${node.type} node, not an approval, and no budget decision is pending on it`,
      };
    }
    const request = this.approvals.get(nodeId, st.attempt);
    if (request && request.status !== "pending") {
      return this.approvals.check(request, vote)!;
    }
    if (
      !request ||
      st.status !== "waiting" ||
      (st.waitReason !== "approval" && st.waitReason !== "budget")
    ) {
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
    const outcome = this.storage.transactionSync(() => {
      const decided = this.approvals.cast(request, cast);
      // Approving a budget hold raises the budget before the agent starts again.
      const budget = this.budget();
      if (decided === "approved" && budgetHold && budget) {
        this.store.setMeta("budget", {
          ...budget,
          current: raiseBudget(budget.current, budget.original),
        });
      }
      return decided;
    });
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

  /**
   * Keeps the alarm at or before the earliest timer. An alarm that is already earlier stays: it
   * finds nothing due and re-arms. So a chain of queued nodes, whose leases each end later than
   * the last, writes the alarm once per lease period rather than on every hop.
   */
  private async syncAlarm(): Promise<void> {
    const next = this.store.nextTimerAt();
    if (next === this.alarmAt) return;
    if (next !== null && this.alarmAt !== null && this.alarmAt <= next) return;
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
    const patches = [...this.patchesDirty];
    this.patchesDirty.clear();
    const status = run.state.status;
    this.projecting = this.projecting.then(async () => {
      try {
        await projectRun(this.env.DB, run.meta, run.state, this.store, {
          spent: this.usage.spent(),
          of: (nodeId, attempt) => this.usage.of(nodeId, attempt),
        });
        await projectApprovals(this.env.DB, run.meta, this.approvals, approvals);
        await projectPatches(this.env.DB, run.meta, this.patches, patches);
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

/**
 * An agent's config as the runner gets it: only the task (`prompt`) is a template. The system
 * instructions and the output schema are sent as written, so the stable part of every call stays
 * byte-identical and provider-side prompt caching hits.
 */
async function agentConfig(
  config: Record<string, unknown>,
  context: RunContext,
): Promise<Record<string, unknown>> {
  const prompt = await renderTemplates(protectSecretRefs(String(config.prompt ?? "")), context);
  return { ...config, prompt: typeof prompt === "string" ? prompt : JSON.stringify(prompt) };
}
