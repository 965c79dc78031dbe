/**
 * The pump, and the engine's surface the RunObject calls. What the pump does around a step is
 * in the modules beside it, each lent only what it needs: step-writes.ts (what a step's commands
 * write in its transaction), execution.ts (inline work and jobs), runtime-patches.ts (proposals
 * and swaps), budget-hold.ts, decisions.ts (approvals), event-waits.ts (waits for events),
 * child-runs.ts (sub-workflows), replay.ts and effects.ts (alarm, R2
 * outbox, D1 projection).
 */

import type { Budget } from "../../core/agents/budget";
import type { IR, IRStep } from "../../core/compile/ir";
import { KINDS, kindOf } from "../../core/kinds/registry";
import type { GraphSize, Patch, PatchSource } from "../../core/patches";
import { type StepOptions, step } from "../../core/scheduler/scheduler";
import type { Signal } from "../../core/scheduler/signals";
import { createRunState, TERMINAL_RUN } from "../../core/scheduler/state";
import { queueWindow } from "../../core/scheduler/window";
import type { ExecuteJob } from "../../core/wire/node-job";
import type { NodeResult } from "../../core/wire/node-result";
import type { ToolCall } from "../../core/wire/tool-call";
import type { WorkflowDefinition } from "../../core/workflow/definition";
import { sendJobs } from "../../platform/job-queue";
import type { GatedBy } from "../gate/gate-book";
import type { ApprovalBook, Ballot } from "./approvals";
import { BudgetHold } from "./budget-hold";
import { type ChildEnded, ChildRuns, type ParentLink, type TreeReserved } from "./child-runs";
import type { ChildBook } from "./children";
import { buildContext, type Loaded } from "./context";
import { Decisions } from "./decisions";
import { StepEffects } from "./effects";
import type { EventBook } from "./event-book";
import { type Delivered, type EventDelivery, EventWaits } from "./event-waits";
import { NodeExecution } from "./execution";
import { dropStaleChain } from "./fused";
import type { RunHost, RunStorage } from "./host";
import type { NotificationBook } from "./notifications";
import { RunOutputs } from "./outputs";
import type { PatchBook } from "./patches";
import { type EagerRoom, type Pending, reported } from "./pending";
import { type ReplaySeed, recorded, replayed } from "./replay";
import { OutputReuse } from "./reuse";
import { type Materialised, type PatchOutcome, RuntimePatches } from "./runtime-patches";
import { SecretPlans } from "./secret-plans";
import { Slice } from "./slice";
import { StepWrites } from "./step-writes";
import { failUnstored, refuseUnstorable } from "./storable";
import type { RunMeta, RunStore, StoredEvent } from "./store";
import { TraceExport } from "./trace-export";
import type { UsageLedger } from "./usage";

export interface CreateRun {
  meta: RunMeta;
  /** The validated base definition (patches apply to it); the IR is its compilation. */
  definition: WorkflowDefinition;
  ir: IR;
  input: unknown;
  replay?: ReplaySeed;
  budget?: Budget;
  /** A replay's source nodes that an agent wrote: they stay without secrets (secret-plans.ts). */
  agentNodes?: string[];
  /** A child run: where its end is owed (child-runs.ts). */
  parent?: ParentLink;
  /** A run its workflow's gate queued and started: where its slot is released. */
  gated?: GatedBy;
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
  /** Queues a signal for the pump without waking it (work the pump itself makes). */
  private readonly push = (pending: Pending): void => {
    this.queue.push(pending);
  };
  /** Called with every event once it is durable (live subscribers). */
  onEvents: (events: StoredEvent[]) => void = () => {};

  /** When this run is a replay: the source's results reused for upstream nodes. */
  private replay: ReplaySeed | null = null;
  /** Semantic cache and coalesced GETs (the optimiser's run-time half). */
  readonly reuse: OutputReuse;
  private readonly writes: StepWrites;
  private readonly execution: NodeExecution;
  private readonly runtimePatches: RuntimePatches;
  private readonly budgetHold: BudgetHold;
  private readonly decisions: Decisions;
  private readonly childRuns: ChildRuns;
  private readonly eventWaits: EventWaits;
  private readonly effects: StepEffects;
  /** The ended run's trace and its export (trace-export.ts). */
  readonly traces: TraceExport;
  private readonly secrets: SecretPlans;
  /** Outputs as expressions read them, within a byte budget (outputs.ts). */
  private readonly outputs: RunOutputs;

  private readonly storage: RunStorage;
  private readonly env: Env;

  /** The scheduler's settings from the environment (the queue window). */
  private readonly stepOptions: StepOptions;

  constructor(
    private readonly host: RunHost,
    private readonly store: RunStore,
    approvals: ApprovalBook,
    patches: PatchBook,
    private readonly usage: UsageLedger,
    children: ChildBook,
    events: EventBook,
    notifications: NotificationBook,
  ) {
    const { storage, env, now } = host;
    this.storage = storage;
    this.env = env;
    this.stepOptions = { queueWindow: queueWindow(env.AOB_QUEUE_WINDOW) };
    const secrets = new SecretPlans(store);
    this.secrets = secrets;
    const outputs = new RunOutputs(store, env.BLOBS);
    this.outputs = outputs;
    this.reuse = new OutputReuse({
      env,
      now,
      secrets,
      outputs,
      run: () => this.run!,
      push: (result) => {
        this.queue.push(result);
        void this.kick();
      },
      dispatch: (command) => this.execution.dispatch(command),
    });
    const loaded = store.load();
    if (loaded) {
      const context = buildContext(loaded.meta, loaded.ir, loaded.input, loaded.state, outputs);
      this.run = { meta: loaded.meta, ir: loaded.ir, state: loaded.state, context };
      this.replay = store.getMeta<ReplaySeed>("replay") ?? null;
    }
    const run = () => this.run!;
    const push = this.push;
    const enqueue = (items: Pending[]) => this.enqueue(items);
    const emit = (events: StoredEvent[]) => this.onEvents(events);
    this.childRuns = new ChildRuns({
      storage,
      env,
      now,
      store,
      children,
      run,
      push,
      kick: () => this.kick(),
      track: (work) => this.track(work),
      budgetLeft: () => this.budgetHold.left(),
      spent: () => this.usage.spent(),
    });
    this.eventWaits = new EventWaits({
      storage,
      env,
      now,
      events,
      run: () => this.run,
      push,
      enqueue,
      unregistered: () => this.effects.waitUnregistered(),
    });
    this.traces = new TraceExport({
      storage,
      env,
      now,
      store,
      usage,
      run: () => this.run,
      parent: () => this.childRuns.parent(),
      emit,
      retryLater: () => this.effects.retryLater(),
    });
    this.effects = new StepEffects(
      {
        storage,
        env,
        now,
        later: host.later,
        store,
        approvals,
        patches,
        usage,
        children,
        notify: (notice) => this.childRuns.send(notice),
        parent: () => this.childRuns.parent(),
        events,
        notifications,
        traces: this.traces,
        emit,
        run,
      },
      this.run?.state.status ?? null,
    );
    const approvalChanged = (nodeId: string, attempt: number) =>
      this.effects.approvalChanged(nodeId, attempt);
    this.writes = new StepWrites({
      store,
      outputs,
      approvals,
      run,
      replay: () => this.replay,
      approvalChanged,
      finishing: () => this.childRuns.owedAtFinish(),
      failed: (at) => notifications.owe("", 0, 2, at),
    });
    this.budgetHold = new BudgetHold({ storage, now, store, approvals, usage, run, push });
    this.decisions = new Decisions({
      storage,
      now,
      store,
      approvals,
      run: () => this.run,
      push,
      enqueue,
      emit,
      raiseBudget: () => this.budgetHold.raise(),
      approvalChanged,
      projectNow: () => this.effects.projectNow(),
    });
    this.execution = new NodeExecution({
      storage,
      env,
      now,
      http: host.http,
      store,
      secrets,
      outputs,
      run,
      push,
      kick: () => this.kick(),
      budgetLeft: () => this.budgetHold.left(),
      openApproval: (node, attempt, context) => this.decisions.openApproval(node, attempt, context),
      startChild: (at, context) => this.childRuns.start(at, context),
      openWait: (node, attempt, context) => this.eventWaits.open(node, attempt, context),
    });
    this.runtimePatches = new RuntimePatches({
      storage,
      env,
      now,
      store,
      secrets,
      outputs,
      patches,
      run: () => this.run,
      enqueue,
      emit,
      patchChanged: (id) => this.effects.patchChanged(id),
    });
  }

  get loaded(): Loaded | null {
    return this.run;
  }

  /** The run's storage is being deleted: it is no longer loaded and starts no more writes. */
  forget(): void {
    this.effects.stop();
    this.run = null;
    this.replay = null;
  }

  /** Creates the run and starts it. Idempotent: a second call for the same run changes nothing. */
  async create(init: CreateRun): Promise<void> {
    if (this.run) {
      // Created before, but its start may not have been committed (a crash in between).
      if (!this.started()) await this.enqueue([{ signal: { type: "start" } }]);
      return;
    }
    const state = createRunState(init.ir, init.meta.runId, init.meta.createdAt);
    let queued: StoredEvent | null = null;
    this.storage.transactionSync(() => {
      this.store.create(init.meta, init.ir, init.input, state);
      this.store.setMeta("definition", init.definition);
      this.effects.created(state.status);
      if (init.replay) this.store.setMeta("replay", init.replay);
      if (init.parent) this.childRuns.linkParent(init.parent);
      if (init.gated) {
        this.childRuns.linkGate(init.gated);
        const { queuedAt, key, order, pickedAt, reason } = init.gated;
        const data = {
          queuedAt,
          key,
          reason: reason ?? "started at once",
          ...(order === undefined ? {} : { order }),
          ...(pickedAt === undefined ? {} : { pickedAt }),
        };
        queued = this.store.appendEvent({ type: "run_queued", data }, queuedAt);
      }
      this.secrets.init(init.agentNodes);
      if (init.budget) {
        this.store.setMeta("budget", { original: init.budget, current: init.budget });
      }
    });
    this.replay = init.replay ?? null;
    const context = buildContext(init.meta, init.ir, init.input, state, this.outputs);
    this.run = { meta: init.meta, ir: init.ir, state, context };
    // Created by this incarnation: nothing of it was interrupted, so no call re-runs its work.
    // (A child's end arriving first would otherwise re-run map items' child starts still in
    // flight, and the second start of a child would fail its item.)
    this.recovered = true;
    if (queued) this.onEvents([queued]);
    await this.enqueue([{ signal: { type: "start" } }]);
  }

  /**
   * A child run ended (its notice): taken as its node's result once committed; a notice for no
   * child of this run, or for an attempt no longer waiting, changes nothing.
   */
  async childEnded(notice: ChildEnded): Promise<void> {
    if (!this.run) return;
    this.recover();
    const pending = await this.childRuns.ended(notice);
    if (!pending) return;
    await this.enqueue([pending]);
    this.childRuns.taken(notice.childRunId);
  }

  /** A child's start in this run's tree, when this run is its root (tree-tally.ts). */
  reserveInTree(childRunId: string, size: GraphSize): TreeReserved {
    if (!this.run)
      return { ok: false, message: "the run at the root of its tree no longer exists" };
    return this.childRuns.reserveInTree(childRunId, size);
  }

  /**
   * An event sent to this run (`POST /api/events` or a wait's signed URL): answers once what it
   * caused is committed (event-waits.ts).
   */
  async deliverEvent(delivery: EventDelivery): Promise<Delivered> {
    this.recover();
    return this.eventWaits.deliver(delivery);
  }

  /** A wait node's attempt's wait for an event, if it opened one (run view). */
  eventWait(nodeId: string, attempt: number) {
    return this.eventWaits.get(nodeId, attempt);
  }

  /** The run this one is a child of, and each subworkflow node's child (run view). */
  family(): { parent?: ParentLink; children: Map<string, string> } {
    const parent = this.childRuns.parent();
    const children = new Map<string, string>();
    for (const c of this.childRuns.named()) {
      // A map's children are its items' (each names its item): the node has none of its own.
      if (c.item) continue;
      if (this.run?.state.nodes[c.nodeId]?.attempt === c.attempt) {
        children.set(c.nodeId, c.childRunId);
      }
    }
    return parent ? { parent, children } : { children };
  }

  /** Cancels the run, and resolves once D1 has its status: a run list read next is current. */
  async cancel(reason?: string): Promise<void> {
    this.recover();
    await this.enqueue([{ signal: reason ? { type: "cancel", reason } : { type: "cancel" } }]);
    await this.effects.projectNow();
  }

  /**
   * Results reported by the runner (one RPC per run per consumer batch). With `room` > 0 the
   * runner offers to run up to that many http jobs now: the jobs these results make runnable are
   * returned (eager dispatch, ARCHITECTURE.md) instead of sent to the queue, once their step is
   * committed. Each keeps its lease, so a runner that dies with one is covered by the alarm.
   */
  async complete(results: NodeResult[], room = 0): Promise<ExecuteJob[]> {
    if (!this.run) {
      // No run to report to (its object holds none): nothing can be accepted or lost.
      const nodes = results.map((r) => r.nodeId);
      console.error(JSON.stringify({ at: "complete", error: "no such run", nodes }));
      return [];
    }
    this.recover();
    const eager: EagerRoom | undefined = room > 0 ? { room, jobs: [] } : undefined;
    await this.enqueue(results.map((r) => reported(r, eager)));
    return eager?.jobs ?? [];
  }

  /** Fires due timers; on a fresh wake, first re-runs pure work a restart interrupted. */
  async alarm(): Promise<void> {
    this.effects.alarmFired();
    if (!this.run) return;
    this.recover();
    // Read, not removed: each timer leaves storage in the transaction of the step it causes.
    const due = this.store.dueTimers(this.host.now());
    await this.enqueue(
      due.map((timer) => ({ signal: { type: "timer", timer } })),
      "drain",
    );
    await this.effects.syncAlarm();
    this.effects.flushBlobs(true);
    this.effects.flushNotices();
    this.effects.projectIfChanged(false);
  }

  private recovered = false;
  /** Work re-run by `recover`, until its result is queued and the pump woken. */
  private readonly reruns = new Set<Promise<void>>();

  /**
   * What a restart interrupted, taken up on the first call after a wake (any RPC or the alarm):
   * pure inline work holds no lease, so it runs again (same attempt; results are accepted
   * once); a start or a decision stored but not stepped is stepped. Queued and inline-http work
   * has leases and comes back through its timer.
   */
  private recover(): void {
    if (this.recovered || !this.run) return;
    this.recovered = true;
    if (!this.started()) {
      // The run was created but its start never committed (a crash in between): start it.
      this.enqueueQuietly([{ signal: { type: "start" } }]);
      return;
    }
    const undecided = this.decisions.undelivered();
    if (undecided.length > 0) this.enqueueQuietly(undecided);
    if (this.eventWaits.owed()) {
      void this.track(
        this.eventWaits.undelivered().then((taken) => {
          if (taken.length > 0) this.enqueueQuietly(taken);
        }),
      );
    }
    const { ir, state } = this.run;
    for (const node of ir.nodes) {
      const st = state.nodes[node.id]!;
      // A subworkflow node parks before its child's start is done: a stop in between leaves it
      // waiting for a child never created, so its start runs again too (child-runs.ts creates a
      // child whose object holds no run and leaves one that does).
      const parked = st.status === "waiting" && st.waitReason === "child";
      if (st.status !== "running" && !parked) continue;
      // Pure inline work holds no lease: it runs again. Inline I/O is covered by its lease.
      const pureInline = (s: IRStep) => s.mode === "inline" && kindOf(s.type)?.execution !== "io";
      if (kindOf(node.type)?.traits.fanOut && st.map) {
        st.map.items.forEach((item, index) => {
          // A child run's item holds no lease either: its start runs again (child-runs.ts
          // finds a child already started and leaves it).
          const child = node.body && kindOf(node.body.type)?.traits.wait?.for === "child";
          if (item === "running" && node.body && (pureInline(node.body) || child)) {
            void this.rerun({
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
      } else if (node.mode === "wait" || (node.mode === "inline" && pureInline(node))) {
        void this.rerun({
          type: "execute",
          nodeId: node.id,
          attempt: st.attempt,
          iteration: st.iteration,
          mode: node.mode,
          timeoutMs: node.timeoutMs,
        });
      }
    }
    this.effects.flushBlobs(true);
    this.effects.flushNotices();
  }

  /**
   * On a wake (the object constructed over its storage): the alarm is set no later than the
   * earliest stored timer (the timers table is the truth), and now when work was interrupted:
   * pure inline work to run again, blobs not yet in R2, a status D1 does not have yet.
   */
  async wake(): Promise<void> {
    if (!this.run) return;
    const now = this.host.now();
    const next = this.needsRecovery() || this.effects.owed() ? now : this.store.nextTimerAt();
    if (next !== null) await this.effects.armBy(next);
  }

  /**
   * Resolves once the pump is idle and the background writes it started (R2 outbox, D1
   * projection) are done; inline fetches still out are the host's (host.ts).
   */
  async settled(): Promise<void> {
    for (;;) {
      const busy =
        this.pumping ??
        (this.reruns.size > 0 ? Promise.all(this.reruns).then(() => {}) : null) ??
        (this.execution.answering.size > 0
          ? Promise.all(this.execution.answering).then(() => {})
          : null) ??
        this.effects.inFlight();
      if (!busy) return;
      await busy;
    }
  }

  /** Work started outside the pump (a child's start) that `settled` waits for. */
  private track(work: Promise<void>): Promise<void> {
    this.reruns.add(work);
    return work.finally(() => this.reruns.delete(work));
  }

  /**
   * Re-runs interrupted work outside the pump: its result is queued when it is ready, which may
   * be after the pump went idle, so the pump is woken then.
   */
  private async rerun(command: Parameters<NodeExecution["execute"]>[0]): Promise<void> {
    const work = this.execution.execute(command).then(() => this.kick());
    this.reruns.add(work);
    try {
      await work;
    } finally {
      this.reruns.delete(work);
    }
  }

  /** Queues signals nobody waits for; a step that cannot commit is logged (the pump retries). */
  private enqueueQuietly(items: Pending[]): void {
    this.enqueue(items).catch((err: unknown) =>
      console.error(JSON.stringify({ at: "recover", error: String(err) })),
    );
  }

  /** Whether the start signal was committed (it writes the first event). */
  private started(): boolean {
    return this.store.lastSeq() > 0;
  }

  needsRecovery(): boolean {
    if (!this.run || TERMINAL_RUN.has(this.run.state.status)) return false;
    if (!this.started()) return true;
    if (this.decisions.undelivered().length > 0) return true;
    if (this.eventWaits.owed()) return true;
    return Object.values(this.run.state.nodes).some(
      (n) => n.status === "running" || (n.status === "waiting" && n.waitReason === "child"),
    );
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
    if (!this.run) {
      // Nothing can step without a run: settle every waiting caller instead of spinning.
      const error = new Error("run not created");
      for (const item of this.queue.splice(0)) item.failed?.(error);
      return;
    }
    const jobs: ExecuteJob[] = [];
    let finished = false;
    const slice = new Slice(this.host.now);
    while (this.queue.length > 0) {
      if (slice.due()) await slice.yield();
      // Re-read each step: a failed step reloads the run from storage.
      const run = this.run!;
      const item = this.queue.shift()!;
      try {
        if (this.budgetHold.holdsExhausted(item)) {
          item.committed?.();
          continue;
        }
      } catch (err) {
        this.reload();
        item.failed?.(err);
        continue;
      }
      const timer = item.signal.type === "timer" ? item.signal.timer : null;
      if (timer && !this.store.hasTimer(timer)) {
        // Taken by an earlier alarm, cleared or moved by a step since it fell due.
        item.committed?.();
        continue;
      }
      this.queue.push(...this.reuse.observe(item));
      dropStaleChain(item, run.ir);
      refuseUnstorable(item);
      const now = this.host.now();
      const signal = { ...item.signal, now } as Signal;
      const stepEvents: StoredEvent[] = [];
      let result: ReturnType<typeof step>;
      try {
        if (item.swap && !this.runtimePatches.swapIn(item.swap, signal, now, stepEvents)) {
          item.committed?.();
          this.onEvents(stepEvents);
          continue;
        }
        // The step and its persistence are one unit: if writing fails, the in-memory state
        // would be ahead of storage, so reload it from storage.
        result = step(run.ir, run.state, signal, KINDS, this.stepOptions);
        this.storage.transactionSync(() => {
          if (timer) this.store.takeTimer(timer);
          if (item.swap) stepEvents.push(...this.runtimePatches.persistSwap(item.swap, now));
          if (item.usage && (signal.type === "result" || signal.type === "item_result")) {
            this.usage.record(signal.nodeId, signal.attempt, item.usage);
          }
          for (const id of result.dirtyNodes) this.store.saveNode(id, run.state.nodes[id]!);
          for (const i of result.dirtyEdges) this.store.saveEdge(i, run.state.edges[i]!);
          this.store.saveRun(run.state);
          for (const command of result.commands) {
            const event = this.writes.apply(command, item, signal, now);
            if (event) stepEvents.push(event);
          }
        });
      } catch (err) {
        this.reload();
        const retry = failUnstored(item, err);
        if (retry) {
          console.error(JSON.stringify({ at: "step", error: String(err), node: retry.signal }));
          this.queue.unshift(retry);
        } else {
          item.failed?.(err);
        }
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
          if (command.type === "execute" && replayed(this.replay, command, this.push)) continue;
          if (command.type === "execute" && this.budgetHold.holds(command)) continue;
          if (this.reuse.intercept(command)) continue;
          if (command.mode === "queued") {
            const job = await this.execution.toJob(command);
            if (!job) continue;
            const eager = item.eager;
            const fetch = kindOf(job.step.type)?.traits.fetchesInline === true;
            if (eager && fetch && eager.jobs.length < eager.room) {
              eager.jobs.push(job);
            } else {
              jobs.push(job);
            }
          } else {
            await this.execution.execute(command);
          }
        }
      } finally {
        if (item.eager) item.committed?.();
      }
    }
    try {
      await sendJobs(this.env, jobs);
    } catch (err) {
      // Not lost: each job's lease is stored, and the alarm (armed below) sends it again.
      const nodes = jobs.map((j) => j.nodeId);
      console.error(JSON.stringify({ at: "send", error: String(err), nodes }));
    }
    await this.effects.syncAlarm();
    const idle = finished || this.run!.state.status !== "running";
    this.effects.flushBlobs(idle);
    if (idle) this.outputs.release();
    this.effects.flushNotices();
    this.effects.projectIfChanged(finished);
  }

  /** Replaces the in-memory run with what storage holds (after a failed step). */
  private reload(): void {
    const loaded = this.store.load();
    if (!loaded) return;
    this.outputs.reset();
    const context = buildContext(loaded.meta, loaded.ir, loaded.input, loaded.state, this.outputs);
    this.run = { meta: loaded.meta, ir: loaded.ir, state: loaded.state, context };
  }

  // ---- patches, budget, decisions, replay: handed to their modules -------------------------

  /** The graph the run executes now (base + accepted patches) and each node's status. */
  materialised(): Materialised | null {
    return this.runtimePatches.materialised();
  }

  /** Whether the run still runs this attempt of the node (a running agent asks). */
  attemptLive(nodeId: string, attempt: number): boolean {
    const run = this.run;
    if (!run || TERMINAL_RUN.has(run.state.status)) return false;
    const st = Object.hasOwn(run.state.nodes, nodeId) ? run.state.nodes[nodeId] : undefined;
    // A queued node's job is in a runner's hands while its node reads `queued` or `running`.
    return (st?.status === "running" || st?.status === "queued") && st.attempt === attempt;
  }

  /**
   * A running agent called one of its MCP or custom http tools: a `tool_called` event of the
   * node, kept only while the attempt is live (a late report of a cancelled attempt is dropped).
   */
  recordToolCall(nodeId: string, attempt: number, call: ToolCall): void {
    if (!this.attemptLive(nodeId, attempt)) return;
    const event = this.storage.transactionSync(() =>
      this.store.appendEvent(
        { type: "tool_called", nodeId, data: { attempt, ...call } },
        this.host.now(),
      ),
    );
    this.onEvents([event]);
  }

  /** A patch proposed by an agent or a person (runtime-patches.ts). */
  async proposePatch(patch: Patch, source: PatchSource): Promise<PatchOutcome> {
    this.recover();
    return this.runtimePatches.propose(patch, source);
  }

  patchList() {
    return this.runtimePatches.list();
  }

  budget() {
    return this.budgetHold.state();
  }

  spent() {
    return this.usage.spent();
  }

  usageByNode() {
    return this.usage.byNode();
  }

  /** A person's vote on an approval or a budget hold (decisions.ts). */
  async decide(nodeId: string, vote: Ballot) {
    this.recover();
    return this.decisions.decide(nodeId, vote);
  }

  replayOf(): ReplaySeed | null {
    return this.replay;
  }

  /** Bytes of parsed outputs the run holds in memory (outputs.ts). */
  outputsHeld(): number {
    return this.outputs.heldBytes();
  }

  /** Succeeded nodes' ports and outputs, for a replay of this run. */
  recorded(nodeIds: string[]): ReplaySeed["recorded"] {
    return recorded(this.run, this.store, nodeIds);
  }

  /** Waits for the D1 projection written so far (tests and shutdown). */
  projected(): Promise<void> {
    return this.effects.projected();
  }
}
