import type { IR, IRNode } from "../compile/ir";
import { assertNever, type NodeError } from "../errors";
import type { NodeKind } from "../kinds/kind";
import { KINDS, type KindRegistry } from "../kinds/registry";
import { ERROR_PORT } from "../workflow/definition";
import { retryDelayMs } from "./backoff";
import type { Command, RunEventDraft } from "./commands";
import type { ChainResult, Outcome, Signal, Timer, TimerKind } from "./signals";
import { ACTIVE, freshNode, type NodeState, type RunState, TERMINAL_RUN } from "./state";
import { QUEUE_WINDOW, type QueueWindow, windowOf } from "./window";

/**
 * Extra time past a node's timeout before its lease expires and the job is sent again: the
 * executor enforces the timeout itself, so the grace only covers delivery and reporting.
 */
export function leaseGraceMs(timeoutMs: number): number {
  return Math.min(30_000, Math.max(2_000, timeoutMs));
}
/** Lease expiries of one attempt before the attempt counts as failed. */
export const MAX_REDELIVERIES = 3;

export interface StepOptions {
  /** Queued jobs a run may have in the queue at once (window.ts); QUEUE_WINDOW by default. */
  queueWindow?: number;
}

export interface StepResult {
  commands: Command[];
  /** Nodes and edges whose state changed: what the DO must persist. */
  dirtyNodes: Set<string>;
  dirtyEdges: Set<number>;
}

/**
 * The scheduler: applies one signal to a run's state (mutating it in place, for speed on large
 * graphs) and returns the commands the RunObject must carry out. Pure: no I/O, no clock, no
 * randomness; the same state and signal always give the same result.
 *
 * Rules (ARCHITECTURE.md): the join rule with dead-path elimination, outcome ports, `error`
 * edges, bounded loops, maps with bounded concurrency, retries with backoff, leases, and the
 * token counter (the run ends when it reaches 0). What it needs of a node's kind (leases for
 * I/O, the run output, a person's timeout port, a map's concurrency) it reads from `kinds`.
 * @example
 * const state = createRunState(ir, "run_1", 0);
 * const { commands } = step(ir, state, { type: "start", now: 0 });
 */
export function step(
  ir: IR,
  state: RunState,
  signal: Signal,
  kinds: KindRegistry = KINDS,
  options: StepOptions = {},
): StepResult {
  const window = windowOf(ir, state);
  const s = new Stepper(ir, state, signal.now, kinds, window, options.queueWindow ?? QUEUE_WINDOW);
  s.apply(signal);
  s.fillWindow();
  unparkedNodes(state, s.dirtyNodes);
  return { commands: s.commands, dirtyNodes: s.dirtyNodes, dirtyEdges: s.dirtyEdges };
}

/** Holds a token and is not parked: queued, running, or waiting for a retry. */
const unparked = (st: NodeState | undefined): boolean =>
  st !== undefined &&
  ACTIVE.has(st.status) &&
  !(st.status === "waiting" && st.waitReason !== "retry");

/**
 * Per run state, the ids of its unparked nodes: what decides whether a run with tokens is
 * `running` or `waiting`. Built by one scan the first time a state object is stepped (a new run,
 * a state loaded from storage), then kept from each step's dirty nodes, which name every node a
 * step changed (the RunObject persists exactly those), so settling a step costs what it
 * changed, not the size of the run (a scan per step made a 25,000-node chain quadratic).
 */
const unparkedByState = new WeakMap<RunState, Set<string>>();

function unparkedNodes(state: RunState, dirty: ReadonlySet<string>): ReadonlySet<string> {
  let ids = unparkedByState.get(state);
  if (!ids) {
    ids = new Set();
    for (const id in state.nodes) if (unparked(state.nodes[id])) ids.add(id);
    unparkedByState.set(state, ids);
    return ids;
  }
  for (const id of dirty) {
    if (unparked(state.nodes[id])) ids.add(id);
    else ids.delete(id);
  }
  return ids;
}

class Stepper {
  readonly commands: Command[] = [];
  readonly dirtyNodes = new Set<string>();
  readonly dirtyEdges = new Set<number>();

  constructor(
    private readonly ir: IR,
    private readonly state: RunState,
    private readonly now: number,
    private readonly kinds: KindRegistry,
    private readonly window: QueueWindow,
    private readonly queueWindow: number,
  ) {}

  /**
   * After a step: the window learns what the step changed, then held nodes are sent while it
   * has room (in IR order), each with its job and its lease from now.
   */
  fillWindow(): void {
    const window = this.window;
    for (const id of this.dirtyNodes) window.update(id, this.state.nodes[id]!);
    if (TERMINAL_RUN.has(this.state.status)) return;
    while (!window.full(this.queueWindow)) {
      const id = window.next();
      if (id === null) return;
      const st = this.state.nodes[id]!;
      delete st.held;
      window.update(id, st);
      this.touch(id);
      this.sendExecute(this.node(id), st);
    }
  }

  private kind(step: { type: string }): NodeKind | undefined {
    return this.kinds.get(step.type);
  }

  apply(signal: Signal): void {
    if (TERMINAL_RUN.has(this.state.status)) return;
    switch (signal.type) {
      case "start":
        if (this.state.nodes[this.ir.start]!.attempt > 0) return;
        this.emit({ type: "run_started" });
        if (this.ir.deadlineMs !== undefined) {
          // Keyed on the start node's first attempt: the run has one deadline.
          this.setTimer("deadline", this.ir.start, 1, this.now + this.ir.deadlineMs);
        }
        this.activate(this.node(this.ir.start));
        break;
      case "result":
        this.onResult(signal.nodeId, signal.attempt, signal.outcome, signal.startedAt);
        if (signal.chain) this.onChain(signal.chain);
        break;
      case "wait":
        this.onWait(
          signal.nodeId,
          signal.attempt,
          signal.until,
          signal.reason ?? "delay",
          signal.data,
        );
        break;
      case "decide":
        this.onDecide(signal.nodeId, signal.attempt, signal.port, signal.data);
        break;
      case "items":
        this.onItems(signal.nodeId, signal.attempt, signal.count);
        break;
      case "item_result":
        this.onItemResult(
          signal.nodeId,
          signal.attempt,
          signal.index,
          signal.itemAttempt,
          signal.outcome,
        );
        break;
      case "timer":
        if (signal.timer.kind === "deadline") {
          this.deadline();
          return;
        }
        this.onTimer(signal.timer);
        break;
      case "patched":
        this.onPatched(signal.addedEdges, signal.touched);
        break;
      case "hold":
        this.onHold(signal.nodeId, signal.attempt, signal.data);
        break;
      case "cancel":
        this.cancel(signal.reason);
        return;
      default:
        assertNever(signal, "signal");
    }
    this.settle();
  }

  // ---- signals -------------------------------------------------------------------------------

  private onResult(id: string, attempt: number, outcome: Outcome, startedAt?: number): void {
    const st = this.state.nodes[id];
    // A sub-workflow waits for its child run, a wait node for an event: either comes back as
    // the node's result.
    const inFlight =
      st?.status === "queued" ||
      st?.status === "running" ||
      (st?.status === "waiting" && (st.waitReason === "child" || st.waitReason === "event"));
    if (!st || st.attempt !== attempt || !inFlight) {
      return; // a duplicate, a late result of an older attempt, or a cancelled node
    }
    const node = this.node(id);
    this.clearTimer("lease", id, attempt);
    if (st.status === "queued") {
      st.startedAt = startedAt ?? this.now;
      this.emit({ type: "node_started", nodeId: id, data: { attempt, startedAt: st.startedAt } });
    }
    if (outcome.ok) this.succeed(node, outcome.port);
    else this.fail(node, outcome.error);
  }

  /**
   * A fused chain (core/optimise/fuse.ts): the head's execution also produced its followers'
   * results. Each follower that the step just started gets its result now, in the same step,
   * instead of an execute command; the chain stops at the first follower that did not start.
   */
  private onChain(chain: readonly ChainResult[]): void {
    for (const { nodeId, outcome } of chain) {
      const st = this.state.nodes[nodeId];
      if (st?.status !== "running") return;
      const attempt = st.attempt;
      const at = this.commands.findIndex(
        (c) => c.type === "execute" && c.nodeId === nodeId && c.attempt === attempt,
      );
      if (at < 0) return;
      this.commands.splice(at, 1);
      this.onResult(nodeId, attempt, outcome);
    }
  }

  private onWait(
    id: string,
    attempt: number,
    until: number | null,
    reason: "delay" | "approval" | "child" | "event",
    data?: Record<string, unknown>,
  ): void {
    const st = this.state.nodes[id];
    if (!st || st.attempt !== attempt || st.status !== "running") return;
    st.status = "waiting";
    st.waitReason = reason;
    this.touch(id);
    const about = reason === "child" || reason === "event" ? data : undefined;
    this.emit({ type: "node_waiting", nodeId: id, data: { until, reason, ...about } });
    if (reason === "approval") {
      this.emit({
        type: "approval_required",
        nodeId: id,
        data: { attempt, ...data, expiresAt: until },
      });
    }
    if (until !== null) this.setTimer("wake", id, attempt, Math.max(until, this.now));
  }

  private onDecide(
    id: string,
    attempt: number,
    port: "approved" | "rejected",
    data?: Record<string, unknown>,
  ): void {
    const st = this.state.nodes[id];
    if (!st || st.attempt !== attempt || st.status !== "waiting") return;
    if (st.waitReason !== "approval" && st.waitReason !== "budget") return;
    this.emit({ type: "approval_decided", nodeId: id, data: { attempt, ...data, decision: port } });
    const node = this.node(id);
    if (st.waitReason === "approval") this.succeed(node, port);
    else if (port === "approved") this.launch(node, st);
    else {
      this.fail(
        node,
        {
          code: "budget_rejected",
          message: "the run's budget is spent and more spending was rejected",
          retryable: false,
        },
        true,
      );
    }
  }

  private onHold(id: string, attempt: number, data?: Record<string, unknown>): void {
    const st = this.state.nodes[id];
    if (!st || st.attempt !== attempt || (st.status !== "queued" && st.status !== "running")) {
      return;
    }
    this.clearTimer("lease", id, attempt);
    st.status = "waiting";
    st.waitReason = "budget";
    this.touch(id);
    this.emit({ type: "node_waiting", nodeId: id, data: { until: null, reason: "budget" } });
    this.emit({
      type: "approval_required",
      nodeId: id,
      data: { attempt, kind: "budget", ...data, expiresAt: null },
    });
  }

  /**
   * After a patch: a new edge whose source has already settled resolves as it would have when
   * the source finished; then every touched node gets the join rule again (which dispatches the
   * ones now runnable). Nodes that started are never touched (the RunObject checked).
   */
  private onPatched(addedEdges: number[], touched: string[]): void {
    for (const i of addedEdges) {
      const e = this.ir.edges[i]!;
      const source = this.node(e.from);
      const st = this.state.nodes[e.from]!;
      if (e.loop !== null) continue;
      if (st.status === "succeeded")
        this.setEdge(i, matches(e.on, st.port ?? null) ? "fired" : "dead");
      else if (st.status === "failed") this.setEdge(i, e.on === ERROR_PORT ? "fired" : "dead");
      else if (st.status === "skipped") {
        const passThrough = st.skipReason === "unknown_type" && source.mode === "skip";
        this.setEdge(i, passThrough && matches(e.on, null) ? "fired" : "dead");
      } else if (st.status === "cancelled") this.setEdge(i, "dead");
    }
    for (const id of touched) this.evaluate(id);
  }

  private onItems(id: string, attempt: number, count: number): void {
    const st = this.state.nodes[id];
    if (!st || st.attempt !== attempt || st.status !== "running" || st.map) return;
    const node = this.node(id);
    if (count === 0) {
      this.succeed(node, null);
      return;
    }
    st.map = {
      total: count,
      done: 0,
      items: new Array(count).fill("pending"),
      tries: new Array(count).fill(0),
      redeliveries: new Array(count).fill(0),
    };
    this.touch(id);
    this.fillMapSlots(node, st);
  }

  private onItemResult(
    id: string,
    attempt: number,
    index: number,
    itemAttempt: number,
    outcome: Outcome,
  ): void {
    const st = this.state.nodes[id];
    const map = st?.map;
    if (
      !st ||
      !map ||
      st.attempt !== attempt ||
      st.status !== "running" ||
      map.items[index] !== "running" ||
      map.tries[index] !== itemAttempt
    ) {
      return;
    }
    const node = this.node(id);
    const body = node.body!;
    this.clearItemTimer("item_lease", id, attempt, index, itemAttempt);
    this.touch(id);
    if (outcome.ok) {
      map.items[index] = "done";
      map.done++;
      this.emit({
        type: "map_item_succeeded",
        nodeId: id,
        data: { index, done: map.done, total: map.total },
      });
      if (map.done === map.total) this.succeed(node, null);
      else this.fillMapSlots(node, st);
      return;
    }
    const error = outcome.error;
    if (error.retryable && itemAttempt < body.retry.maxAttempts) {
      map.items[index] = "waiting";
      const delay = Math.max(
        error.retryAfterMs ?? 0,
        retryDelayMs(body.retry, itemAttempt, `${this.state.runId}:${id}:${attempt}:${index}`),
      );
      this.emit({
        type: "map_item_failed",
        nodeId: id,
        data: { index, itemAttempt, error, retryAt: this.now + delay },
      });
      this.setTimer("item_retry", id, attempt, this.now + delay, index, itemAttempt);
      return;
    }
    this.emit({ type: "map_item_failed", nodeId: id, data: { index, itemAttempt, error } });
    this.fail(node, {
      code: "map_item_failed",
      message: `item ${index} failed: ${error.message}`,
      retryable: false,
    });
  }

  private onTimer(timer: Timer): void {
    const st = this.state.nodes[timer.nodeId];
    if (!st || st.attempt !== timer.attempt) return;
    const node = this.node(timer.nodeId);
    switch (timer.kind) {
      case "retry":
        if (st.status === "waiting" && st.waitReason === "retry") this.launch(node, st);
        return;
      case "wake":
        if (st.status !== "waiting") return;
        if (st.waitReason === "delay") this.succeed(node, null);
        if (st.waitReason === "event") this.succeed(node, "timeout");
        if (st.waitReason === "approval") {
          const escalate = (node.config as { escalate?: { timeoutSeconds: number } }).escalate;
          if (escalate && !st.escalated) {
            // The first timeout escalates (docs/PEOPLE.md): more approvers, one more wait.
            st.escalated = true;
            this.touch(node.id);
            const until = this.now + escalate.timeoutSeconds * 1000;
            this.emit({
              type: "approval_escalated",
              nodeId: node.id,
              data: { attempt: st.attempt, until },
            });
            this.setTimer("wake", node.id, st.attempt, until);
            return;
          }
          const wait = this.kind(node)?.traits.wait;
          const port = wait?.for === "person" ? wait.timeoutPort(node.config) : null;
          this.emit({
            type: "approval_decided",
            nodeId: node.id,
            data: { attempt: st.attempt, decision: port, timedOut: true },
          });
          this.succeed(node, port);
        }
        return;
      case "lease":
        if (st.status !== "queued" && st.status !== "running") return;
        if (st.redeliveries < MAX_REDELIVERIES) {
          st.redeliveries++;
          this.touch(node.id);
          this.emit({
            type: "node_queued",
            nodeId: node.id,
            data: { attempt: st.attempt, redelivery: st.redeliveries },
          });
          this.sendExecute(node, st);
        } else {
          this.fail(node, {
            code: "lease_expired",
            message: `no result within ${node.timeoutMs + leaseGraceMs(node.timeoutMs)} ms, ${MAX_REDELIVERIES + 1} times`,
            retryable: true,
          });
        }
        return;
      case "item_retry":
      case "item_lease":
        this.onItemTimer(node, st, timer);
        return;
      case "deadline":
        return; // the run's, taken before (`deadline`)
      default:
        assertNever(timer.kind, "timer kind");
    }
  }

  private onItemTimer(node: IRNode, st: NodeState, timer: Timer): void {
    const map = st.map;
    const index = timer.index ?? -1;
    if (!map || st.status !== "running" || map.tries[index] !== timer.itemAttempt) return;
    if (timer.kind === "item_retry" && map.items[index] === "waiting") {
      this.launchItem(node, st, index);
    } else if (timer.kind === "item_lease" && map.items[index] === "running") {
      if (map.redeliveries[index]! < MAX_REDELIVERIES) {
        map.redeliveries[index]!++;
        this.touch(node.id);
        this.sendItem(node, st, index);
      } else {
        this.onItemResult(node.id, st.attempt, index, map.tries[index]!, {
          ok: false,
          error: { code: "lease_expired", message: "item lease expired", retryable: true },
        });
      }
    }
  }

  // ---- node lifecycle ------------------------------------------------------------------------

  /** A pending node becomes runnable: take a token and launch its first attempt. */
  private activate(node: IRNode): void {
    const st = this.state.nodes[node.id]!;
    if (node.omit) {
      // The optimiser proved nothing live needs it (core/optimise/eliminate.ts).
      this.skip(node, "optimised_out");
      return;
    }
    if (node.mode === "skip") {
      this.skip(node, "unknown_type", {
        warning: `node type "${node.type}" is unknown; skipped with a null output`,
      });
      return;
    }
    this.state.tokens++;
    this.launch(node, st);
  }

  /** Starts a new attempt of a node that already holds a token. */
  private launch(node: IRNode, st: NodeState): void {
    st.attempt++;
    st.tries++;
    st.redeliveries = 0;
    st.error = undefined;
    st.waitReason = undefined;
    st.map = undefined;
    this.touch(node.id);
    if (node.mode === "queued") {
      st.status = "queued";
      if (this.window.full(this.queueWindow)) {
        // Sent when the run's queue window has room (fillWindow), with its lease from then.
        st.held = true;
        this.window.update(node.id, st);
        const data = { attempt: st.attempt, held: true };
        this.emit({ type: "node_queued", nodeId: node.id, data });
        return;
      }
      this.emit({ type: "node_queued", nodeId: node.id, data: { attempt: st.attempt } });
      this.window.update(node.id, st);
    } else {
      st.status = "running";
      st.startedAt = this.now;
      this.emit({
        type: "node_started",
        nodeId: node.id,
        data: { attempt: st.attempt, startedAt: this.now },
      });
    }
    this.sendExecute(node, st);
  }

  private sendExecute(node: IRNode, st: NodeState): void {
    const mode = node.mode === "skip" ? "inline" : node.mode;
    this.commands.push({
      type: "execute",
      nodeId: node.id,
      attempt: st.attempt,
      iteration: st.iteration,
      mode,
      timeoutMs: node.timeoutMs,
    });
    // I/O can be lost (a queue message, a crashed isolate): it holds a lease. Pure inline work
    // is re-run by the DO when it wakes, so it needs none.
    if (node.mode === "queued" || (node.mode === "inline" && this.kind(node)?.execution === "io")) {
      this.setTimer(
        "lease",
        node.id,
        st.attempt,
        this.now + node.timeoutMs + leaseGraceMs(node.timeoutMs),
      );
    }
  }

  private succeed(node: IRNode, port: string | null): void {
    const st = this.state.nodes[node.id]!;
    const loops = node.out
      .map((i) => this.ir.edges[i]!)
      .filter((e) => e.loop !== null && matches(e.on, port));
    const exhausted = loops.find((e) => (this.state.loopCounts[e.index] ?? 0) >= e.loop!);
    if (exhausted) {
      this.fail(
        node,
        {
          code: "loop_limit_exceeded",
          message: `loop ${exhausted.from} → ${exhausted.to} reached maxIterations ${exhausted.loop}`,
          retryable: false,
        },
        true,
      );
      return;
    }
    this.release(node, st);
    this.touch(node.id);
    st.status = "succeeded";
    st.port = port;
    st.finishedAt = this.now;
    if (this.kind(node)?.traits.runOutput) this.state.outputNode = node.id;
    this.emit({
      type: "node_succeeded",
      nodeId: node.id,
      data: { attempt: st.attempt, port, durationMs: this.now - (st.startedAt ?? this.now) },
    });
    const loop = loops[0];
    for (const i of node.out) {
      const e = this.ir.edges[i]!;
      if (e.loop !== null) {
        if (e !== loop) this.setEdge(i, "dead");
        continue;
      }
      const fired = matches(e.on, port);
      // While looping, this node runs again: its other edges stay open for a later iteration.
      if (!fired && loop) continue;
      this.setEdge(i, fired ? "fired" : "dead");
      this.evaluate(e.to);
    }
    if (loop) this.iterate(loop.index);
  }

  /** A failed attempt: retry if the policy allows, else fail the node (and route `error`). */
  private fail(node: IRNode, error: NodeError, final = false): void {
    const st = this.state.nodes[node.id]!;
    if (!final && error.retryable && st.tries < node.retry.maxAttempts) {
      const delay = Math.max(
        error.retryAfterMs ?? 0,
        retryDelayMs(node.retry, st.tries, `${this.state.runId}:${node.id}:${st.attempt}`),
      );
      st.status = "waiting";
      st.waitReason = "retry";
      st.error = error;
      this.touch(node.id);
      this.emit({
        type: "node_retrying",
        nodeId: node.id,
        data: { attempt: st.attempt, error, nextAttemptAt: this.now + delay },
      });
      this.setTimer("retry", node.id, st.attempt, this.now + delay);
      return;
    }
    this.release(node, st);
    this.touch(node.id);
    st.status = "failed";
    st.error = error;
    st.finishedAt = this.now;
    this.emit({ type: "node_failed", nodeId: node.id, data: { attempt: st.attempt, error } });
    let routed = false;
    for (const i of node.out) {
      const e = this.ir.edges[i]!;
      const fired = e.on === ERROR_PORT && e.loop === null;
      routed ||= fired;
      this.setEdge(i, fired ? "fired" : "dead");
      if (e.loop === null) this.evaluate(e.to);
    }
    if (!routed && !this.state.failure) {
      this.state.failure = { nodeId: node.id, ...error };
    }
  }

  /**
   * A node that will not run. Branch not taken: its out-edges are dead. Unknown type: it
   * counts as done with a null output, so its success edges fire and the run goes on.
   */
  private skip(node: IRNode, reason: string, data: Record<string, unknown> = {}): void {
    const st = this.state.nodes[node.id]!;
    st.status = "skipped";
    st.skipReason = reason;
    st.finishedAt = this.now;
    this.touch(node.id);
    const rewrite = node.omit ? { rewrite: node.omit } : {};
    this.emit({ type: "node_skipped", nodeId: node.id, data: { reason, ...data, ...rewrite } });
    const passThrough = reason === "unknown_type";
    for (const i of node.out) {
      const e = this.ir.edges[i]!;
      const fired = passThrough && e.loop === null && matches(e.on, null);
      if (e.loop !== null) {
        this.setEdge(i, "dead");
        continue;
      }
      this.setEdge(i, fired ? "fired" : "dead");
      this.evaluate(e.to);
    }
  }

  /** The join rule with dead-path elimination, over forward in-edges. */
  private evaluate(id: string): void {
    const st = this.state.nodes[id]!;
    if (st.status !== "pending") return;
    const node = this.node(id);
    let fired = 0;
    let open = 0;
    for (const i of node.in) {
      if (this.ir.edges[i]!.loop !== null) continue;
      const edge = this.state.edges[i];
      if (edge === "fired") fired++;
      else if (edge === "pending") open++;
    }
    if (node.join === "any" ? fired > 0 : open === 0 && fired > 0) this.activate(node);
    else if (open === 0) this.skip(node, "no_branch_taken");
  }

  /** A loop edge fired: reset its body for the next iteration and run its target again. */
  private iterate(edgeIndex: number): void {
    const edge = this.ir.edges[edgeIndex]!;
    this.state.loopCounts[edgeIndex] = (this.state.loopCounts[edgeIndex] ?? 0) + 1;
    const body = new Set(this.ir.loopBodies[edgeIndex] ?? []);
    for (const id of body) {
      const st = this.state.nodes[id]!;
      if (ACTIVE.has(st.status)) this.release(this.node(id), st);
      this.state.nodes[id] = freshNode(st.attempt, st.iteration + 1);
      this.touch(id);
      for (const i of this.node(id).out) {
        const e = this.ir.edges[i]!;
        if (!body.has(e.to)) continue;
        if (e.loop === null) this.setEdge(i, "pending");
        // An inner loop starts counting again on each outer iteration.
        else if (i !== edgeIndex && this.state.loopCounts[i]) {
          this.state.loopCounts[i] = 0;
          this.setEdge(i, "pending");
        }
      }
    }
    this.setEdge(edgeIndex, "pending");
    this.activate(this.node(edge.to));
  }

  // ---- map -----------------------------------------------------------------------------------

  private fillMapSlots(node: IRNode, st: NodeState): void {
    const map = st.map!;
    const fanOut = this.kind(node)?.traits.fanOut;
    const concurrency = fanOut ? fanOut.concurrency(node.config) : 1;
    let running = map.items.filter((s) => s === "running" || s === "waiting").length;
    for (let i = 0; i < map.total && running < concurrency; i++) {
      if (map.items[i] === "pending") {
        this.launchItem(node, st, i);
        running++;
      }
    }
  }

  private launchItem(node: IRNode, st: NodeState, index: number): void {
    const map = st.map!;
    map.items[index] = "running";
    map.tries[index]!++;
    map.redeliveries[index] = 0;
    this.touch(node.id);
    this.sendItem(node, st, index);
  }

  private sendItem(node: IRNode, st: NodeState, index: number): void {
    const body = node.body!;
    const map = st.map!;
    const mode = body.mode === "queued" ? "queued" : "inline";
    this.commands.push({
      type: "execute_item",
      nodeId: node.id,
      attempt: st.attempt,
      index,
      itemAttempt: map.tries[index]!,
      mode,
      timeoutMs: body.timeoutMs,
    });
    if (body.mode === "queued" || this.kind(body)?.execution === "io") {
      this.setTimer(
        "item_lease",
        node.id,
        st.attempt,
        this.now + body.timeoutMs + leaseGraceMs(body.timeoutMs),
        index,
        map.tries[index],
      );
    }
  }

  // ---- run lifecycle -------------------------------------------------------------------------

  /** Gives back a node's token and clears its timers. */
  private release(node: IRNode, st: NodeState): void {
    if (!ACTIVE.has(st.status)) return;
    this.state.tokens--;
    this.clearTimer("lease", node.id, st.attempt);
    this.clearTimer("retry", node.id, st.attempt);
    this.clearTimer("wake", node.id, st.attempt);
    const map = st.map;
    if (map) {
      map.items.forEach((item, i) => {
        if (item === "running")
          this.clearItemTimer("item_lease", node.id, st.attempt, i, map.tries[i]!);
        if (item === "waiting")
          this.clearItemTimer("item_retry", node.id, st.attempt, i, map.tries[i]!);
      });
    }
  }

  private cancel(reason?: string): void {
    this.cancelActive();
    this.state.status = "cancelled";
    this.state.finishedAt = this.now;
    this.emit({ type: "run_cancelled", data: reason ? { reason } : {} });
    this.commands.push({ type: "finish", status: "cancelled" });
  }

  /** Every node running, queued or waiting is cancelled (a run cancelled or past its deadline). */
  private cancelActive(): void {
    for (const n of this.ir.nodes) {
      const st = this.state.nodes[n.id]!;
      if (!ACTIVE.has(st.status)) continue;
      this.release(n, st);
      st.status = "cancelled";
      st.finishedAt = this.now;
      this.touch(n.id);
    }
  }

  /** The run's deadline passed: what is active is cancelled and the run fails. */
  private deadline(): void {
    if (TERMINAL_RUN.has(this.state.status)) return;
    this.cancelActive();
    const seconds = (this.ir.deadlineMs ?? 0) / 1000;
    const error = {
      code: "run_deadline_exceeded",
      message: `the run did not end within its ${seconds} s deadline (timeoutSeconds)`,
      retryable: false,
    };
    this.state.status = "failed";
    this.state.finishedAt = this.now;
    this.state.failure = { ...error, nodeId: this.ir.start };
    this.emit({ type: "run_failed", data: { error } });
    this.commands.push({ type: "finish", status: "failed", error });
  }

  /** Ends the run when no token is left; otherwise says whether it is running or waiting. */
  private settle(): void {
    if (this.state.tokens > 0) {
      const parked = unparkedNodes(this.state, this.dirtyNodes).size === 0;
      this.state.status = parked ? "waiting" : "running";
      return;
    }
    // Only possible through loops whose exits were never taken: nothing can run them now.
    for (const n of this.ir.nodes) {
      if (this.state.nodes[n.id]!.status === "pending") this.skip(n, "not_reached");
    }
    if (this.state.tokens > 0) {
      this.state.status = "running";
      return;
    }
    this.state.finishedAt = this.now;
    const failure = this.state.failure;
    if (failure) {
      this.state.status = "failed";
      this.emit({ type: "run_failed", data: { error: failure } });
      const { nodeId, ...error } = failure;
      this.commands.push({
        type: "finish",
        status: "failed",
        error: { ...error, message: `node "${nodeId}" failed: ${error.message}` },
      });
    } else {
      this.state.status = "completed";
      this.emit({ type: "run_completed", data: { outputNode: this.state.outputNode ?? null } });
      this.commands.push({ type: "finish", status: "completed" });
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  private node(id: string): IRNode {
    return this.ir.nodes[this.ir.byId[id]!]!;
  }

  private touch(id: string): void {
    this.dirtyNodes.add(id);
  }

  private setEdge(index: number, value: "pending" | "fired" | "dead"): void {
    const current = this.state.edges[index];
    if (current === value) return;
    // An edge is resolved once; only a loop iteration reopens it. Edges leaving a loop body are
    // not reopened: a later iteration must not re-decide what the node downstream may already
    // have acted on, or the outcome would depend on delivery order.
    if (current !== "pending" && value !== "pending") return;
    this.state.edges[index] = value;
    this.dirtyEdges.add(index);
  }

  private emit(event: RunEventDraft): void {
    this.commands.push({ type: "emit", event });
  }

  private setTimer(
    kind: TimerKind,
    nodeId: string,
    attempt: number,
    at: number,
    index?: number,
    itemAttempt?: number,
  ): void {
    const timer: Timer = {
      key: timerKey(kind, nodeId, attempt, index, itemAttempt),
      kind,
      at,
      nodeId,
      attempt,
    };
    if (index !== undefined) timer.index = index;
    if (itemAttempt !== undefined) timer.itemAttempt = itemAttempt;
    this.commands.push({ type: "set_timer", timer });
  }

  private clearTimer(kind: TimerKind, nodeId: string, attempt: number): void {
    this.commands.push({ type: "clear_timer", key: timerKey(kind, nodeId, attempt) });
  }

  private clearItemTimer(
    kind: TimerKind,
    nodeId: string,
    attempt: number,
    index: number,
    itemAttempt: number,
  ): void {
    this.commands.push({
      type: "clear_timer",
      key: timerKey(kind, nodeId, attempt, index, itemAttempt),
    });
  }
}

/** Does an edge's port match an outcome? null outcome = default success; null edge = any success. */
function matches(on: string | null, port: string | null): boolean {
  if (on === ERROR_PORT) return false;
  return on === null || on === port;
}

export function timerKey(
  kind: TimerKind,
  nodeId: string,
  attempt: number,
  index?: number,
  itemAttempt?: number,
): string {
  return index === undefined
    ? `${kind}:${nodeId}:${attempt}`
    : `${kind}:${nodeId}:${attempt}:${index}:${itemAttempt}`;
}
