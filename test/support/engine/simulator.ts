/**
 * Test support: the one in-memory driver. `MemoryRun` drives a run through the pure scheduler,
 * standing in for the RunObject (which persists, dispatches and arms alarms): it applies
 * signals, carries out the commands in order, keeps the timers and a virtual clock. Who answers
 * the executions is up to its `Executor`: an oracle (`simulate`, below: pure and deterministic,
 * the same IR, oracle and policy give the same run) or the real executors (`drive.ts`).
 *
 * The delivery policy decides what reaches the scheduler next: FIFO one-at-a-time (the
 * reference), or an order picked by a chooser, with duplicated and lost deliveries, timers
 * firing early or late, and DO restarts (state round-tripped through JSON, as the DO stores it).
 * The IR may be swapped between steps, as a patch does in the RunObject.
 */
import type { IR } from "../../../core/compile/ir";
import type { NodeError } from "../../../core/errors";
import type { KindRegistry } from "../../../core/kinds/registry";
import type { Command, RunEventDraft } from "../../../core/scheduler/commands";
import {
  MAX_REDELIVERIES,
  type StepResult,
  step,
  timerKey,
} from "../../../core/scheduler/scheduler";
import type { Outcome, Signal, Timer } from "../../../core/scheduler/signals";
import {
  ACTIVE,
  createRunState,
  type NodeStatus,
  type RunState,
  type RunStatus,
} from "../../../core/scheduler/state";

/** One execution the oracle decides: a node attempt, or one try of a map item. */
export interface Call {
  nodeId: string;
  /** The node's type; for an item, the type of the map's step. */
  type: string;
  iteration: number;
  /** Attempts of the node in this iteration, this one included. */
  tries: number;
  /** Map items only: the item and its attempts so far, this one included. */
  index?: number;
  itemTries?: number;
}

/** What an execution reports: an outcome, a map's list length, or a delay's wait. */
export type Reply = Outcome | { items: number } | { waitMs: number };

/** Must be a function of the call alone, so every delivery order sees the same outcomes. */
export type Oracle = (call: Call) => Reply;

/** Picks an index in [0, n); undefined once it has nothing left to say (FIFO from then on). */
export type Chooser = (n: number) => number | undefined;

export type Policy =
  | { type: "fifo" }
  | {
      type: "random";
      choose: Chooser;
      /** Deliver a copy and keep the original for later (at-least-once delivery). */
      duplicates?: boolean;
      /** Drop deliveries that hold a lease (at most 2 per attempt); the lease recovers them. */
      losses?: boolean;
      /** Fire a lease while its result is still on the way (a slow executor). */
      earlyLeases?: boolean;
      /** Reload the state from its JSON form between steps. */
      restarts?: boolean;
    };

export interface SimOptions {
  policy?: Policy;
  /** Steps (signals applied) before the run counts as not terminating. */
  maxSteps?: number;
  runId?: string;
  /** Cancel the run once this many steps were applied (if it is still going). */
  cancelAfter?: number;
  /** Called after every step, with the state as the step left it. */
  onStep?: (info: StepInfo) => void;
  /** Called with each delivery just before it reaches the scheduler. */
  onDeliver?: (delivery: Delivery) => void;
  /** The kinds the IR was compiled with; the platform's by default. */
  kinds?: KindRegistry;
  /** Queued jobs the run may have out at once (core/scheduler/window.ts). */
  queueWindow?: number;
}

export interface StepInfo {
  signal: Signal;
  result: StepResult;
  state: RunState;
  /** Deliveries (not timers) still on their way, after the step's commands were dispatched. */
  outstanding: readonly Delivery[];
  /** The delivery this step applied; none for the start, timers, cancels and patches. */
  delivery?: Delivery;
}

export interface Delivery {
  signal: DeliveredSignal;
  /** Key of the lease timer covering this delivery; only such deliveries may be lost. */
  lease?: string;
  /** What the execution produced, for a driver that records outputs (drive.ts). */
  output?: unknown;
  /** Outputs of the rest of a fused chain, by node. */
  outputs?: Record<string, unknown>;
}

/** An execution a step asks for. */
export type Execution = Extract<Command, { type: "execute" | "execute_item" }>;

/**
 * Answers an execution: pushes its delivery onto `run.pool` now (an oracle), or later (drive.ts,
 * whose executors are async). `lease` is the key of the lease timer the same step armed for it.
 */
export type Executor = (run: MemoryRun, execution: Execution, lease: string | undefined) => void;

/** What an execution sends back to the RunObject (its `now` is set on delivery). */
export type DeliveredSignal = Extract<
  Signal,
  { type: "result" | "wait" | "items" | "item_result" }
>;

export interface SimResult {
  state: RunState;
  status: RunStatus;
  /** False when the step budget ran out or nothing was left to deliver while tokens remained. */
  terminated: boolean;
  statuses: Record<string, NodeStatus>;
  steps: number;
  /** Accepted results, `node#attempt`, and item results, `node#attempt#index#itemAttempt`. */
  accepted: string[];
  /** The token counter after every step, and the number of nodes holding a token then. */
  tokens: number[];
  active: number[];
  events: RunEventDraft[];
  finish?: Extract<Command, { type: "finish" }>;
  /** Timers armed and never fired nor cleared when the run ended. */
  timersLeft: Timer[];
  /** Commands produced by deliveries still on their way after the end (should be none). */
  lateCommands: Command[];
  restarts: number;
  /** Virtual time at the end. */
  clock: number;
}

/** A success on a port (null = the default port). */
export function ok(port: string | null = null): Outcome {
  return { ok: true, port };
}

/** An error outcome. */
export function err(code: string, retryable: boolean, retryAfterMs?: number): Outcome {
  const error: NodeError = { code, message: code, retryable };
  if (retryAfterMs !== undefined) error.retryAfterMs = retryAfterMs;
  return { ok: false, error };
}

/** A chooser reading a fixed list of numbers (e.g. from fast-check), then FIFO. */
export function choicesOf(choices: readonly number[]): Chooser {
  let next = 0;
  return (n) => {
    const c = choices[next++];
    return c === undefined ? undefined : c % n;
  };
}

const RESULT_EVENTS = new Set(["node_succeeded", "node_failed", "node_retrying"]);
const ITEM_EVENTS = new Set(["map_item_succeeded", "map_item_failed"]);
const LEASES = new Set(["lease", "item_lease"]);

/**
 * Runs `ir` from its start signal until the run finishes, the step budget runs out, or the
 * run hangs (tokens left, nothing to deliver, no timer).
 * @example
 * const r = simulate(ir, () => ok());
 * r.status; // "completed"
 */
export function simulate(ir: IR, oracle: Oracle, options: SimOptions = {}): SimResult {
  const run = new MemoryRun(ir, oracleExecutor(oracle), options);
  run.start();
  return run.runToEnd();
}

type Action =
  | { type: "deliver"; index: number; keep: boolean }
  | { type: "lose"; index: number }
  | { type: "fire"; key: string }
  | { type: "restart" };

/**
 * A run in memory: the RunObject's loop around the pure scheduler.
 * @example
 * const run = new MemoryRun(ir, oracleExecutor(() => ok()));
 * run.start();
 * run.runToEnd().status; // "completed"
 */
export class MemoryRun {
  /** Swappable between steps, as a patch swaps it in the RunObject. */
  ir: IR;
  state: RunState;
  clock = 0;
  steps = 0;
  private restarts = 0;
  private hung = false;
  /** Deliveries on their way, in the order sent. */
  readonly pool: Delivery[] = [];
  private readonly timers = new Map<string, Timer>();
  /** Per lease key: deliveries dropped, and leases fired while the result was on its way. */
  private readonly drops = new Map<string, number>();
  private readonly early = new Map<string, number>();
  private readonly accepted: string[] = [];
  /** The token counter after every step, and the number of nodes holding a token then. */
  readonly tokens: number[] = [];
  private readonly active: number[] = [];
  readonly events: RunEventDraft[] = [];
  private finish?: Extract<Command, { type: "finish" }>;
  private readonly policy: Policy;
  readonly maxSteps: number;

  constructor(
    ir: IR,
    private readonly executor: Executor,
    private readonly options: SimOptions = {},
  ) {
    this.ir = ir;
    this.policy = options.policy ?? { type: "fifo" };
    this.maxSteps = options.maxSteps ?? 20_000;
    this.state = createRunState(ir, options.runId ?? "run_sim", 0);
  }

  /** True once the scheduler finished the run. */
  get finished(): boolean {
    return this.finish !== undefined;
  }

  /** Applies the start signal. */
  start(): void {
    this.apply({ type: "start", now: 0 });
  }

  /** One delivery, lost delivery, timer or restart, as the policy picks; false when none is left. */
  advance(): boolean {
    const action = this.next();
    if (!action) return false;
    this.perform(action);
    return true;
  }

  /** Runs until the run finishes, the step budget runs out, or nothing is left to do. */
  runToEnd(): SimResult {
    while (!this.finish && this.steps < this.maxSteps) {
      if (this.options.cancelAfter !== undefined && this.steps >= this.options.cancelAfter) {
        this.apply({ type: "cancel", now: this.clock, reason: "simulated" });
        break;
      }
      if (!this.advance()) {
        this.hung = true;
        break;
      }
    }
    const lateCommands: Command[] = [];
    if (this.finish) {
      for (const d of this.pool.splice(0)) {
        lateCommands.push(
          ...step(this.ir, this.state, { ...d.signal, now: this.clock }, this.options.kinds, {
            queueWindow: this.options.queueWindow,
          }).commands,
        );
      }
    }
    const result: SimResult = {
      state: this.state,
      status: this.state.status,
      terminated: !this.hung && this.finish !== undefined,
      statuses: this.statuses(),
      steps: this.steps,
      accepted: this.accepted,
      tokens: this.tokens,
      active: this.active,
      events: this.events,
      timersLeft: [...this.timers.values()],
      lateCommands,
      restarts: this.restarts,
      clock: this.clock,
    };
    if (this.finish) result.finish = this.finish;
    return result;
  }

  /** Every node's status, by id. */
  statuses(): Record<string, NodeStatus> {
    const statuses: Record<string, NodeStatus> = {};
    for (const n of this.ir.nodes) statuses[n.id] = this.state.nodes[n.id]!.status;
    return statuses;
  }

  // ---- choosing ------------------------------------------------------------------------------

  private next(): Action | undefined {
    if (this.policy.type === "random") {
      const picked = this.pick(this.policy);
      if (picked) return picked;
    }
    return this.fifo();
  }

  /** The reference: deliveries in the order they were sent, then the earliest timer. */
  private fifo(): Action | undefined {
    if (this.pool.length > 0) return { type: "deliver", index: 0, keep: false };
    const timer = this.earliestTimer();
    return timer ? { type: "fire", key: timer.key } : undefined;
  }

  private pick(policy: Extract<Policy, { type: "random" }>): Action | undefined {
    const losable = policy.losses ? this.pool.flatMap((d, i) => (this.canLose(d) ? [i] : [])) : [];
    const firable = [...this.timers.values()].filter((t) => this.canFire(t, policy));
    const kinds: ("deliver" | "duplicate" | "lose" | "fire" | "restart")[] = [];
    if (this.pool.length > 0) kinds.push("deliver", "deliver", "deliver", "deliver");
    if (this.pool.length > 0 && policy.duplicates) kinds.push("duplicate");
    if (losable.length > 0) kinds.push("lose");
    if (firable.length > 0) kinds.push("fire", "fire");
    if (policy.restarts) kinds.push("restart");
    if (kinds.length === 0) return undefined;
    const k = policy.choose(kinds.length);
    if (k === undefined) return undefined;
    const kind = kinds[k]!;
    switch (kind) {
      case "deliver":
      case "duplicate": {
        const index = policy.choose(this.pool.length);
        if (index === undefined) return undefined;
        return { type: "deliver", index, keep: kind === "duplicate" };
      }
      case "lose": {
        const index = policy.choose(losable.length);
        return index === undefined ? undefined : { type: "lose", index: losable[index]! };
      }
      case "fire": {
        const index = policy.choose(firable.length);
        return index === undefined ? undefined : { type: "fire", key: firable[index]!.key };
      }
      case "restart":
        return { type: "restart" };
    }
  }

  private canLose(d: Delivery): boolean {
    if (d.lease === undefined || !this.timers.has(d.lease)) return false;
    const drops = this.drops.get(d.lease) ?? 0;
    return drops < 2 && drops + (this.early.get(d.lease) ?? 0) < MAX_REDELIVERIES;
  }

  /**
   * Any timer may fire early or late, except a lease whose result is still on the way: that
   * one only within the redelivery budget, or the outcome would depend on the order.
   */
  private canFire(timer: Timer, policy: Extract<Policy, { type: "random" }>): boolean {
    if (!LEASES.has(timer.kind) || !this.inFlight(timer.key)) return true;
    if (!policy.earlyLeases) return false;
    const used = (this.drops.get(timer.key) ?? 0) + (this.early.get(timer.key) ?? 0);
    return used < MAX_REDELIVERIES;
  }

  private inFlight(leaseKey: string): boolean {
    return this.pool.some((d) => d.lease === leaseKey);
  }

  private earliestTimer(): Timer | undefined {
    let first: Timer | undefined;
    for (const t of this.timers.values()) if (!first || t.at < first.at) first = t;
    return first;
  }

  // ---- acting --------------------------------------------------------------------------------

  private perform(action: Action): void {
    switch (action.type) {
      case "deliver": {
        const d = this.pool[action.index]!;
        if (!action.keep) this.pool.splice(action.index, 1);
        this.options.onDeliver?.(d);
        this.apply({ ...d.signal, now: this.clock }, d);
        return;
      }
      case "lose": {
        const [d] = this.pool.splice(action.index, 1);
        const key = d!.lease!;
        this.drops.set(key, (this.drops.get(key) ?? 0) + 1);
        return;
      }
      case "fire": {
        const timer = this.timers.get(action.key)!;
        this.timers.delete(action.key);
        if (LEASES.has(timer.kind) && this.inFlight(timer.key)) {
          this.early.set(timer.key, (this.early.get(timer.key) ?? 0) + 1);
        }
        this.clock = Math.max(this.clock, timer.at);
        this.apply({ type: "timer", timer, now: this.clock });
        return;
      }
      case "restart":
        // The DO keeps its state as JSON in SQLite: whatever does not survive that is lost.
        this.state = JSON.parse(JSON.stringify(this.state)) as RunState;
        this.restarts++;
        return;
    }
  }

  /** One step of the scheduler, its commands carried out. */
  apply(signal: Signal, delivery?: Delivery): StepResult {
    const result = step(this.ir, this.state, signal, this.options.kinds, {
      queueWindow: this.options.queueWindow,
    });
    this.steps++;
    this.tokens.push(this.state.tokens);
    this.active.push(Object.values(this.state.nodes).filter((n) => ACTIVE.has(n.status)).length);
    this.recordAcceptance(signal, result.commands);
    this.dispatch(result.commands);
    const info: StepInfo = { signal, result, state: this.state, outstanding: this.pool };
    if (delivery) info.delivery = delivery;
    this.options.onStep?.(info);
    return result;
  }

  private recordAcceptance(signal: Signal, commands: Command[]): void {
    const emitted = commands.flatMap((c) => (c.type === "emit" ? [c.event] : []));
    if (signal.type === "result") {
      const hit = emitted.some(
        (e) =>
          RESULT_EVENTS.has(e.type) &&
          e.nodeId === signal.nodeId &&
          e.data?.attempt === signal.attempt,
      );
      if (hit) this.accepted.push(`${signal.nodeId}#${signal.attempt}`);
    } else if (signal.type === "item_result") {
      const hit = emitted.some(
        (e) =>
          ITEM_EVENTS.has(e.type) && e.nodeId === signal.nodeId && e.data?.index === signal.index,
      );
      if (hit) {
        this.accepted.push(
          `${signal.nodeId}#${signal.attempt}#${signal.index}#${signal.itemAttempt}`,
        );
      }
    }
  }

  /** Carries out a step's commands in order, as the RunObject does. */
  private dispatch(commands: Command[]): void {
    const armed = new Set(commands.flatMap((c) => (c.type === "set_timer" ? [c.timer.key] : [])));
    for (const c of commands) {
      switch (c.type) {
        case "execute":
          this.executor(this, c, lease(timerKey("lease", c.nodeId, c.attempt), armed));
          break;
        case "execute_item": {
          const key = timerKey("item_lease", c.nodeId, c.attempt, c.index, c.itemAttempt);
          this.executor(this, c, lease(key, armed));
          break;
        }
        case "set_timer":
          this.timers.set(c.timer.key, c.timer);
          break;
        case "clear_timer":
          this.timers.delete(c.key);
          break;
        case "emit":
          this.events.push(c.event);
          break;
        case "finish":
          this.finish = c;
          break;
      }
    }
  }
}

const lease = (key: string, armed: Set<string>) => (armed.has(key) ? key : undefined);

/**
 * Executions answered by an oracle, at once: a delivery per execution, in the order asked.
 * @example
 * simulate(ir, () => ok()); // runs on oracleExecutor(() => ok())
 */
export function oracleExecutor(oracle: Oracle): Executor {
  return (run, c, lease) => {
    const node = run.ir.nodes[run.ir.byId[c.nodeId]!]!;
    const st = run.state.nodes[c.nodeId]!;
    let signal: DeliveredSignal;
    if (c.type === "execute") {
      const reply = oracle({
        nodeId: c.nodeId,
        type: node.type,
        iteration: c.iteration,
        tries: st.tries,
      });
      const base = { nodeId: c.nodeId, attempt: c.attempt, now: 0 };
      signal =
        "items" in reply
          ? { type: "items", ...base, count: reply.items }
          : "waitMs" in reply
            ? { type: "wait", ...base, until: run.clock + reply.waitMs }
            : { type: "result", ...base, outcome: reply };
    } else {
      const reply = oracle({
        nodeId: c.nodeId,
        type: node.body?.type ?? node.type,
        iteration: st.iteration,
        tries: st.tries,
        index: c.index,
        itemTries: c.itemAttempt,
      });
      if (!("ok" in reply))
        throw new Error(`oracle: item ${c.nodeId}[${c.index}] needs an outcome`);
      signal = {
        type: "item_result",
        nodeId: c.nodeId,
        attempt: c.attempt,
        index: c.index,
        itemAttempt: c.itemAttempt,
        outcome: reply,
        now: 0,
      };
    }
    run.pool.push(lease ? { signal, lease } : { signal });
  };
}
