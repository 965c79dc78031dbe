import { describe, expect, it } from "vitest";
import {
  type Call,
  choicesOf,
  err,
  type Oracle,
  ok,
  type Reply,
  type SimResult,
  simulate,
} from "../../test/support/engine/simulator";
import { compile } from "../compile/compile";
import type { IR } from "../compile/ir";
import type { WorkflowDefinitionInput } from "../workflow/definition";
import { validateWorkflow } from "../workflow/validate";
import type { Command, RunEventDraft } from "./commands";
import { leaseGraceMs, MAX_REDELIVERIES, step } from "./scheduler";
import type { Outcome, Signal, Timer } from "./signals";
import { createRunState, type RunState } from "./state";
import { QUEUE_WINDOW, queueWindow } from "./window";

type NodeInput = WorkflowDefinitionInput["nodes"][number];
type EdgeInput = NonNullable<WorkflowDefinitionInput["edges"]>[number];

const START: NodeInput = { id: "start", type: "start" };
const QUEUED_HTTP = { url: "https://api.example.com/x" }; // default timeout 30 s: queued
const NO_RETRY = { maxAttempts: 1 };

/** Validates (as the API does) and compiles; a test graph that does not validate is a bug. */
function build(nodes: NodeInput[], edges: EdgeInput[]): IR {
  const result = validateWorkflow({ name: "test", nodes: [START, ...nodes], edges });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  // The scheduler's rules on the graph as written: the optimiser reorders dispatch and marks
  // nodes, which core/optimise tests on their own (the property tests run optimised IR).
  return compile(result.definition, { optimise: false });
}

const transform = (id: string, extra: Partial<NodeInput> = {}): NodeInput => ({
  id,
  type: "transform",
  config: { expression: "input" },
  ...extra,
});

const condition = (id: string): NodeInput => ({
  id,
  type: "condition",
  config: { expression: "input.go" },
});

/** Every execution succeeds on its default port, except where `replies` says otherwise. */
function oracle(replies: Record<string, (call: Call) => Reply> = {}): Oracle {
  return (call) => replies[call.nodeId]?.(call) ?? ok();
}

const events = (r: { events: RunEventDraft[] }, type: string, nodeId?: string) =>
  r.events.filter((e) => e.type === type && (nodeId === undefined || e.nodeId === nodeId));

const emits = (commands: Command[]) =>
  commands.flatMap((c) => (c.type === "emit" ? [c.event] : []));

const timersSet = (commands: Command[]) =>
  commands.flatMap((c) => (c.type === "set_timer" ? [c.timer] : []));

function edgeState(ir: IR, state: RunState, from: string, to: string): string {
  const e = ir.edges.find((x) => x.from === from && x.to === to && x.loop === null);
  if (!e) throw new Error(`no edge ${from} → ${to}`);
  return state.edges[e.index]!;
}

/** Drives `step` by hand, for tests that script each signal. */
class Manual {
  readonly state: RunState;
  constructor(readonly ir: IR) {
    this.state = createRunState(ir, "run_manual", 0);
  }
  send(signal: Signal): Command[] {
    return step(this.ir, this.state, signal).commands;
  }
  result(nodeId: string, attempt: number, outcome: Outcome, now = 0): Command[] {
    return this.send({ type: "result", nodeId, attempt, outcome, now });
  }
}

function expectSettledTokens(r: SimResult) {
  expect(r.terminated).toBe(true);
  expect(r.state.tokens).toBe(0);
  expect(r.tokens).toEqual(r.active);
  expect(r.timersLeft).toEqual([]);
}

describe("scheduler: flow", () => {
  it("runs a linear chain to completion, in order", () => {
    const ir = build(
      [transform("a"), { id: "b", type: "http", config: QUEUED_HTTP }, { id: "done", type: "end" }],
      [
        { from: "start", to: "a" },
        { from: "a", to: "b" },
        { from: "b", to: "done" },
      ],
    );
    const r = simulate(ir, oracle());
    expect(r.status).toBe("completed");
    expect(r.statuses).toEqual({
      start: "succeeded",
      a: "succeeded",
      b: "succeeded",
      done: "succeeded",
    });
    expect(events(r, "node_succeeded").map((e) => e.nodeId)).toEqual(["start", "a", "b", "done"]);
    expect(r.finish).toEqual({ type: "finish", status: "completed" });
    expect(events(r, "run_completed")[0]?.data).toEqual({ outputNode: "done" });
    expect(Math.max(...r.tokens)).toBe(1);
    expectSettledTokens(r);
  });

  describe("condition with dead-path elimination", () => {
    const ir = build(
      [
        condition("check"),
        transform("yes_a"),
        transform("yes_b"),
        transform("no_a"),
        transform("no_b"),
        { id: "merge", type: "join" },
        { id: "done", type: "end" },
      ],
      [
        { from: "start", to: "check" },
        { from: "check", to: "yes_a", on: "true" },
        { from: "yes_a", to: "yes_b" },
        { from: "check", to: "no_a", on: "false" },
        { from: "no_a", to: "no_b" },
        { from: "yes_b", to: "merge" },
        { from: "no_b", to: "merge" },
        { from: "merge", to: "done" },
      ],
    );

    it.each([
      ["true", "yes", "no"],
      ["false", "no", "yes"],
    ])("on %s runs the %s branch, skips the other subtree, joins once", (port, taken, other) => {
      const r = simulate(ir, oracle({ check: () => ok(port) }));
      expect(r.status).toBe("completed");
      expect(r.statuses[`${taken}_a`]).toBe("succeeded");
      expect(r.statuses[`${taken}_b`]).toBe("succeeded");
      expect(r.statuses[`${other}_a`]).toBe("skipped");
      expect(r.statuses[`${other}_b`]).toBe("skipped");
      expect(events(r, "node_skipped", `${other}_a`)[0]?.data).toEqual({
        reason: "no_branch_taken",
      });
      expect(events(r, "node_succeeded", "merge")).toHaveLength(1);
      expect(edgeState(ir, r.state, `${taken}_b`, "merge")).toBe("fired");
      expect(edgeState(ir, r.state, `${other}_b`, "merge")).toBe("dead");
      expect(r.statuses.done).toBe("succeeded");
      expectSettledTokens(r);
    });
  });

  describe("switch", () => {
    const ir = build(
      [
        { id: "route", type: "switch", config: { expression: "input.kind", cases: ["a", "b"] } },
        transform("on_a"),
        transform("on_b"),
        transform("fallback"),
      ],
      [
        { from: "start", to: "route" },
        { from: "route", to: "on_a", on: "a" },
        { from: "route", to: "on_b", on: "b" },
        { from: "route", to: "fallback", on: "default" },
      ],
    );

    it("takes the matching case only", () => {
      const r = simulate(ir, oracle({ route: () => ok("b") }));
      expect(r.statuses).toMatchObject({ on_a: "skipped", on_b: "succeeded", fallback: "skipped" });
      expect(r.status).toBe("completed");
    });

    it("takes default when no case matches", () => {
      const r = simulate(ir, oracle({ route: () => ok("default") }));
      expect(r.statuses).toMatchObject({ on_a: "skipped", on_b: "skipped", fallback: "succeeded" });
      expect(r.status).toBe("completed");
    });
  });

  it('runs a join "any" on its first fired edge, once', () => {
    const ir = build(
      [
        { id: "slow", type: "delay", config: { seconds: 60 } },
        transform("fast"),
        { id: "first", type: "join", join: "any" },
        { id: "done", type: "end" },
      ],
      [
        { from: "start", to: "slow" },
        { from: "start", to: "fast" },
        { from: "slow", to: "first" },
        { from: "fast", to: "first" },
        { from: "first", to: "done" },
      ],
    );
    const r = simulate(ir, oracle({ slow: () => ({ waitMs: 60_000 }) }));
    expect(r.status).toBe("completed");
    const order = r.events.filter((e) => e.type === "node_succeeded").map((e) => e.nodeId);
    // The join and its downstream finish while the delay still waits.
    expect(order.indexOf("first")).toBeLessThan(order.indexOf("slow"));
    expect(order.indexOf("done")).toBeLessThan(order.indexOf("slow"));
    expect(events(r, "node_started", "first")).toHaveLength(1);
    expect(events(r, "node_succeeded", "first")).toHaveLength(1);
    expectSettledTokens(r);
  });

  it("skips an unknown node type with a warning and runs its downstream", () => {
    const ir = build(
      [{ id: "future", type: "teleport" }, transform("after"), { id: "done", type: "end" }],
      [
        { from: "start", to: "future" },
        { from: "future", to: "after" },
        { from: "after", to: "done" },
      ],
    );
    const r = simulate(ir, oracle());
    expect(r.statuses).toMatchObject({ future: "skipped", after: "succeeded", done: "succeeded" });
    const [skipped] = events(r, "node_skipped", "future");
    expect(skipped?.data?.reason).toBe("unknown_type");
    expect(String(skipped?.data?.warning)).toContain('"teleport"');
    expect(r.status).toBe("completed");
    expectSettledTokens(r);
  });
});

describe("scheduler: failures", () => {
  it("routes a failure through an `error` edge and completes the run", () => {
    const ir = build(
      [
        { id: "call", type: "http", config: QUEUED_HTTP, retry: NO_RETRY },
        transform("use"),
        transform("recover"),
      ],
      [
        { from: "start", to: "call" },
        { from: "call", to: "use" },
        { from: "call", to: "recover", on: "error" },
      ],
    );
    const r = simulate(ir, oracle({ call: () => err("http_500", true) }));
    expect(r.statuses).toMatchObject({ call: "failed", use: "skipped", recover: "succeeded" });
    expect(r.status).toBe("completed");
    expect(r.state.failure).toBeUndefined();
    expectSettledTokens(r);
  });

  it("fails the run on an unrouted failure, once the other branches settle", () => {
    const ir = build(
      [
        { id: "call", type: "http", config: QUEUED_HTTP, retry: NO_RETRY },
        transform("use"),
        { id: "pause", type: "delay", config: { seconds: 1 } },
        transform("after_pause"),
      ],
      [
        { from: "start", to: "call" },
        { from: "call", to: "use" },
        { from: "start", to: "pause" },
        { from: "pause", to: "after_pause" },
      ],
    );
    const statusWhenFailed: string[] = [];
    const r = simulate(
      ir,
      oracle({ call: () => err("bad_request", false), pause: () => ({ waitMs: 1000 }) }),
      {
        onStep: ({ result, state }) => {
          if (emits(result.commands).some((e) => e.type === "node_failed")) {
            statusWhenFailed.push(state.status, state.nodes.pause!.status, String(state.tokens));
          }
        },
      },
    );
    // When `call` fails, the delay still holds a token: the run goes on.
    expect(statusWhenFailed).toEqual(["running", "running", "1"]);
    expect(r.statuses).toMatchObject({
      call: "failed",
      use: "skipped",
      pause: "succeeded",
      after_pause: "succeeded",
    });
    expect(r.status).toBe("failed");
    expect(r.finish?.status).toBe("failed");
    expect(r.finish?.error?.message).toContain('node "call" failed');
    expect(events(r, "run_failed")).toHaveLength(1);
    expectSettledTokens(r);
  });

  describe("retries", () => {
    const ir = build(
      [
        {
          id: "call",
          type: "http",
          config: QUEUED_HTTP,
          retry: { maxAttempts: 3, backoff: "exponential", initialDelayMs: 1000 },
        },
      ],
      [{ from: "start", to: "call" }],
    );

    it("backs off with a growing delay and succeeds on the third try", () => {
      const delays: number[] = [];
      const r = simulate(
        ir,
        oracle({ call: (c) => (c.tries < 3 ? err("http_503", true) : ok()) }),
        {
          onStep: ({ signal, result }) => {
            for (const e of emits(result.commands)) {
              if (e.type === "node_retrying")
                delays.push(Number(e.data?.nextAttemptAt) - signal.now);
            }
          },
        },
      );
      expect(events(r, "node_retrying", "call").map((e) => e.data?.attempt)).toEqual([1, 2]);
      expect(delays).toHaveLength(2);
      // Equal jitter: [d/2, d] around 1 s, then 2 s.
      expect(delays[0]).toBeGreaterThanOrEqual(500);
      expect(delays[0]).toBeLessThanOrEqual(1000);
      expect(delays[1]).toBeGreaterThanOrEqual(1000);
      expect(delays[1]).toBeLessThanOrEqual(2000);
      expect(delays[1]!).toBeGreaterThan(delays[0]!);
      expect(r.accepted).toEqual(["start#1", "call#1", "call#2", "call#3"]);
      expect(r.state.nodes.call).toMatchObject({ status: "succeeded", attempt: 3, tries: 3 });
      expect(r.status).toBe("completed");
      expectSettledTokens(r);
    });

    it("does not retry a non-retryable error", () => {
      const r = simulate(ir, oracle({ call: () => err("bad_request", false) }));
      expect(events(r, "node_retrying")).toEqual([]);
      expect(r.state.nodes.call).toMatchObject({ status: "failed", attempt: 1 });
      expect(r.state.nodes.call?.error?.code).toBe("bad_request");
      expect(r.status).toBe("failed");
    });

    it("fails after maxAttempts retryable errors", () => {
      const r = simulate(ir, oracle({ call: () => err("http_503", true) }));
      expect(events(r, "node_retrying")).toHaveLength(2);
      expect(r.state.nodes.call).toMatchObject({ status: "failed", attempt: 3 });
      expect(r.status).toBe("failed");
      expectSettledTokens(r);
    });
  });
});

describe("scheduler: delivery", () => {
  const ir = build(
    [{ id: "call", type: "http", config: QUEUED_HTTP, retry: NO_RETRY, timeoutMs: 10_000 }],
    [{ from: "start", to: "call" }],
  );

  /** Starts the run and lets `start` succeed: `call` is queued, attempt 1, with its lease. */
  function started(): { run: Manual; lease: Timer } {
    const run = new Manual(ir);
    run.send({ type: "start", now: 0 });
    const commands = run.result("start", 1, ok());
    const lease = timersSet(commands).find((t) => t.kind === "lease");
    if (!lease) throw new Error("no lease armed");
    expect(lease.at).toBe(10_000 + leaseGraceMs(10_000));
    return { run, lease };
  }

  it("re-sends the same attempt when a lease expires, then fails with lease_expired", () => {
    const { run, lease } = started();
    for (let n = 1; n <= MAX_REDELIVERIES; n++) {
      const commands = run.send({ type: "timer", timer: lease, now: n * lease.at });
      expect(commands).toContainEqual(expect.objectContaining({ type: "execute", attempt: 1 }));
      expect(emits(commands)).toContainEqual({
        type: "node_queued",
        nodeId: "call",
        data: { attempt: 1, redelivery: n },
      });
      expect(timersSet(commands).map((t) => t.key)).toEqual([lease.key]);
    }
    const last = run.send({ type: "timer", timer: lease, now: 9 * lease.at });
    expect(last.some((c) => c.type === "execute")).toBe(false);
    const failed = emits(last).find((e) => e.type === "node_failed");
    expect(failed?.data?.error).toMatchObject({ code: "lease_expired" });
    expect(run.state.status).toBe("failed");
    expect(run.state.tokens).toBe(0);
  });

  it("accepts a result after a redelivery, once", () => {
    const { run, lease } = started();
    run.send({ type: "timer", timer: lease, now: lease.at });
    const first = run.result("call", 1, ok(), lease.at + 1);
    expect(emits(first).map((e) => e.type)).toContain("node_succeeded");
    expect(run.state.status).toBe("completed");
  });

  it("ignores a duplicate result", () => {
    const { run } = started();
    run.result("call", 1, err("http_503", true), 1);
    const snapshot = structuredClone(run.state);
    // The same attempt reported again (at-least-once delivery), even with another outcome.
    expect(run.result("call", 1, err("http_503", true), 2)).toEqual([]);
    expect(run.result("call", 1, ok(), 3)).toEqual([]);
    expect(run.state).toEqual(snapshot);
  });

  it("ignores a late result of an older attempt", () => {
    const retrying = build(
      [{ id: "call", type: "http", config: QUEUED_HTTP, retry: { maxAttempts: 2 } }],
      [{ from: "start", to: "call" }],
    );
    const run = new Manual(retrying);
    run.send({ type: "start", now: 0 });
    run.result("start", 1, ok());
    const retry = timersSet(run.result("call", 1, err("http_503", true))).find(
      (t) => t.kind === "retry",
    );
    if (!retry) throw new Error("no retry timer");
    const relaunch = run.send({ type: "timer", timer: retry, now: retry.at });
    expect(relaunch).toContainEqual(expect.objectContaining({ type: "execute", attempt: 2 }));
    // Attempt 1's copy turns up after attempt 2 was sent: it must not decide the node.
    const snapshot = structuredClone(run.state);
    expect(run.result("call", 1, ok(), retry.at + 1)).toEqual([]);
    expect(run.state).toEqual(snapshot);
    run.result("call", 2, err("http_503", true), retry.at + 2);
    expect(run.state.nodes.call).toMatchObject({ status: "failed", attempt: 2 });
  });

  it("recovers lost results through the lease, and never accepts one twice", () => {
    // Choices, read two at a time (kind, then which): deliver start; lose call's result; fire
    // its lease; lose the redelivery; fire again; deliver the third copy twice (a duplicate).
    const choose = choicesOf([0, 0, 5, 0, 0, 0, 5, 0, 0, 0, 4, 0]);
    const r = simulate(ir, oracle(), {
      policy: { type: "random", losses: true, duplicates: true, choose },
    });
    expect(events(r, "node_queued", "call").map((e) => e.data)).toEqual([
      { attempt: 1 },
      { attempt: 1, redelivery: 1 },
      { attempt: 1, redelivery: 2 },
    ]);
    expect(r.accepted).toEqual(["start#1", "call#1"]);
    expect(r.status).toBe("completed");
    // The duplicate's original, delivered after the end, changes nothing.
    expect(r.lateCommands).toEqual([]);
    expectSettledTokens(r);
  });

  it("ends a cancelled run: no tokens left, timers cleared, run_cancelled", () => {
    const { run, lease } = started();
    const commands = run.send({ type: "cancel", now: 5, reason: "user" });
    expect(run.state.tokens).toBe(0);
    expect(run.state.status).toBe("cancelled");
    expect(run.state.nodes.call?.status).toBe("cancelled");
    expect(commands).toContainEqual({ type: "clear_timer", key: lease.key });
    expect(emits(commands)).toContainEqual({ type: "run_cancelled", data: { reason: "user" } });
    expect(commands).toContainEqual({ type: "finish", status: "cancelled" });
    // Whatever arrives afterwards changes nothing.
    expect(run.result("call", 1, ok(), 6)).toEqual([]);
    expect(run.send({ type: "timer", timer: lease, now: lease.at })).toEqual([]);
  });
});

describe("scheduler: loops", () => {
  const countdown = (maxIterations: number) =>
    build(
      [transform("work"), condition("again"), { id: "done", type: "end" }],
      [
        { from: "start", to: "work" },
        { from: "work", to: "again" },
        { from: "again", to: "work", on: "true", loop: { maxIterations } },
        { from: "again", to: "done", on: "false" },
      ],
    );

  it("loops while the condition is true and exits on false", () => {
    const r = simulate(
      countdown(3),
      oracle({ again: (c) => ok(c.iteration < 2 ? "true" : "false") }),
    );
    expect(events(r, "node_succeeded", "work")).toHaveLength(3);
    expect(r.state.nodes.work).toMatchObject({ status: "succeeded", iteration: 2, attempt: 3 });
    expect(r.state.nodes.again).toMatchObject({ status: "succeeded", port: "false" });
    expect(r.statuses.done).toBe("succeeded");
    expect(r.status).toBe("completed");
    expectSettledTokens(r);
  });

  it("fails the loop's source with loop_limit_exceeded past maxIterations", () => {
    const r = simulate(countdown(2), oracle({ again: () => ok("true") }));
    expect(events(r, "node_succeeded", "work")).toHaveLength(3);
    expect(r.state.nodes.again).toMatchObject({ status: "failed", iteration: 2 });
    expect(r.state.nodes.again?.error?.code).toBe("loop_limit_exceeded");
    expect(r.statuses.done).toBe("skipped");
    expect(r.status).toBe("failed");
    expectSettledTokens(r);
  });

  it("keeps an edge fired on the way round when the loop later fails, in any order", () => {
    // `check` fires `x` on its first `true` and loops, then fails past maxIterations. Whether
    // `other` (the join's second input, dead) resolves before or after that must not matter.
    const ir = build(
      [transform("work"), condition("check"), condition("other"), { id: "x", type: "join" }],
      [
        { from: "start", to: "work" },
        { from: "work", to: "check" },
        { from: "check", to: "work", on: "true", loop: { maxIterations: 1 } },
        { from: "check", to: "x", on: "true" },
        { from: "start", to: "other" },
        { from: "other", to: "x", on: "true" },
      ],
    );
    const replies = { check: () => ok("true"), other: () => ok("false") };
    // FIFO: `other` reports before `check` fails.
    const fifo = simulate(ir, oracle(replies));
    expect(fifo.statuses).toMatchObject({ check: "failed", other: "succeeded", x: "succeeded" });

    // `other` reports last.
    const run = new Manual(ir);
    run.send({ type: "start", now: 0 });
    run.result("start", 1, ok());
    run.result("work", 1, ok());
    run.result("check", 1, ok("true"));
    run.result("work", 2, ok());
    run.result("check", 2, ok("true"));
    expect(run.state.nodes.check?.error?.code).toBe("loop_limit_exceeded");
    expect(edgeState(ir, run.state, "check", "x")).toBe("fired");
    run.result("other", 1, ok("false"));
    expect(run.state.nodes.x?.status).toBe("running");
  });
});

describe("scheduler: nested loops", () => {
  it("restarts an inner loop's count on every outer iteration", () => {
    // outer: a → inner(b ⇄ c) → d ⇢ a. The inner loop goes round twice in each of the 4 outer
    // rounds (3 runs of b each): without the reset its limit of 2 would trip in round 2.
    const ir = build(
      [transform("a"), transform("b"), condition("c"), condition("d"), { id: "done", type: "end" }],
      [
        { from: "start", to: "a" },
        { from: "a", to: "b" },
        { from: "b", to: "c" },
        { from: "c", to: "b", on: "true", loop: { maxIterations: 2 } },
        { from: "c", to: "d", on: "false" },
        { from: "d", to: "a", on: "true", loop: { maxIterations: 3 } },
        { from: "d", to: "done", on: "false" },
      ],
    );
    let innerRuns = 0;
    const r = simulate(
      ir,
      oracle({
        b: () => {
          innerRuns++;
          return ok();
        },
        // Loop twice in each outer round: true, true, false.
        c: (call) => ok(call.iteration % 3 < 2 ? "true" : "false"),
        d: (call) => ok(call.iteration < 3 ? "true" : "false"),
      }),
    );
    expect(r.status).toBe("completed");
    expect(innerRuns).toBe(12);
    expect(r.statuses.done).toBe("succeeded");
    expectSettledTokens(r);
  });
});

describe("scheduler: map", () => {
  const mapOf = (step: Record<string, unknown>) =>
    build(
      [
        {
          id: "each",
          type: "map",
          config: { items: "input.list", concurrency: 2, node: step },
        },
        { id: "done", type: "end" },
      ],
      [
        { from: "start", to: "each" },
        { from: "each", to: "done" },
      ],
    );

  it("runs 5 items at most 2 at a time and completes with every item done", () => {
    const ir = mapOf({ type: "transform", config: { expression: "item * 2" } });
    let most = 0;
    const check = ({
      state,
      outstanding,
    }: {
      state: RunState;
      outstanding: readonly { signal: Signal }[];
    }) => {
      const inFlight = outstanding.filter((d) => d.signal.type === "item_result").length;
      const held = state.nodes.each?.map?.items.filter((s) => s !== "pending" && s !== "done");
      most = Math.max(most, inFlight, held?.length ?? 0);
    };
    const each = oracle({ each: (c) => (c.index === undefined ? { items: 5 } : ok()) });
    const fifo = simulate(ir, each, { onStep: check });
    // Any order of item results keeps the bound too.
    const shuffled = simulate(ir, each, {
      onStep: check,
      policy: { type: "random", choose: choicesOf([3, 1, 2, 0, 1, 3, 2, 1, 0, 3, 1, 2, 1]) },
    });
    for (const r of [fifo, shuffled]) {
      expect(r.state.nodes.each?.map).toMatchObject({ total: 5, done: 5 });
      expect(r.state.nodes.each?.map?.items).toEqual(["done", "done", "done", "done", "done"]);
      expect(events(r, "map_item_succeeded", "each")).toHaveLength(5);
      expect(r.statuses.each).toBe("succeeded");
      expect(r.status).toBe("completed");
      expectSettledTokens(r);
    }
    expect(most).toBe(2);
  });

  it("fails the map when an item still fails after its retries", () => {
    const ir = mapOf({
      type: "http",
      config: QUEUED_HTTP,
      retry: { maxAttempts: 2, initialDelayMs: 100 },
    });
    const r = simulate(
      ir,
      oracle({
        each: (c) => {
          if (c.index === undefined) return { items: 5 };
          return c.index === 3 ? err("http_503", true) : ok();
        },
      }),
    );
    const failures = events(r, "map_item_failed", "each").map((e) => e.data);
    expect(failures).toEqual([
      expect.objectContaining({ index: 3, itemAttempt: 1, retryAt: expect.any(Number) }),
      expect.objectContaining({ index: 3, itemAttempt: 2 }),
    ]);
    expect(failures[1]).not.toHaveProperty("retryAt");
    expect(r.state.nodes.each?.error?.code).toBe("map_item_failed");
    expect(r.statuses).toMatchObject({ each: "failed", done: "skipped" });
    expect(r.status).toBe("failed");
    expectSettledTokens(r);
  });

  it("succeeds at once on an empty list", () => {
    const ir = mapOf({ type: "transform", config: { expression: "item" } });
    const r = simulate(ir, oracle({ each: () => ({ items: 0 }) }));
    expect(r.statuses).toMatchObject({ each: "succeeded", done: "succeeded" });
  });
});

describe("scheduler: delay", () => {
  it("parks the node until its wake timer fires", () => {
    const ir = build(
      [
        { id: "pause", type: "delay", config: { seconds: 5 } },
        { id: "done", type: "end" },
      ],
      [
        { from: "start", to: "pause" },
        { from: "pause", to: "done" },
      ],
    );
    const run = new Manual(ir);
    run.send({ type: "start", now: 0 });
    const launch = run.result("start", 1, ok());
    expect(launch).toContainEqual(
      expect.objectContaining({ type: "execute", nodeId: "pause", mode: "wait" }),
    );
    const parked = run.send({ type: "wait", nodeId: "pause", attempt: 1, until: 5_000, now: 1 });
    const [wake] = timersSet(parked);
    expect(wake).toMatchObject({ kind: "wake", at: 5_000, nodeId: "pause" });
    expect(run.state.nodes.pause?.status).toBe("waiting");
    expect(run.state.status).toBe("waiting");
    expect(run.state.tokens).toBe(1);
    run.send({ type: "timer", timer: wake!, now: 5_000 });
    expect(run.state.nodes.pause?.status).toBe("succeeded");
    expect(run.state.nodes.done?.status).toBe("running");
    run.result("done", 1, ok(), 5_000);
    expect(run.state.status).toBe("completed");

    const r = simulate(ir, oracle({ pause: () => ({ waitMs: 5_000 }) }));
    expect(r.clock).toBe(5_000);
    expect(r.status).toBe("completed");
    expectSettledTokens(r);
  });
});

describe("scheduler: the queue window", () => {
  const fanOut = (n: number) =>
    build(
      [
        ...Array.from({ length: n }, (_, i) => ({
          id: `h${i}`,
          type: "http",
          config: QUEUED_HTTP,
          retry: NO_RETRY,
        })),
        { id: "done", type: "end" },
      ],
      Array.from({ length: n }, (_, i) => [
        { from: "start", to: `h${i}` },
        { from: `h${i}`, to: "done" },
      ]).flat(),
    );
  const executes = (commands: Command[]) =>
    commands.flatMap((c) => (c.type === "execute" ? [c.nodeId] : []));
  const win = (ir: IR) => {
    const state = createRunState(ir, "run_window", 0);
    return {
      state,
      send: (signal: Signal) => step(ir, state, signal, undefined, { queueWindow: 2 }).commands,
    };
  };
  const success: Outcome = { ok: true, port: null };

  it("sends at most its window of queued jobs, holds the rest without a lease, and sends the next in order when one is done", () => {
    const ir = fanOut(5);
    const run = win(ir);
    expect(executes(run.send({ type: "start", now: 0 }))).toEqual(["start"]);
    const first = run.send({
      type: "result",
      nodeId: "start",
      attempt: 1,
      outcome: success,
      now: 0,
    });
    expect(executes(first)).toEqual(["h0", "h1"]);
    expect(timersSet(first).map((t) => t.nodeId)).toEqual(["h0", "h1"]);
    // Every node is queued (and holds its token); the held ones say so.
    expect(
      emits(first)
        .filter((e) => e.type === "node_queued")
        .map((e) => e.data),
    ).toEqual([
      { attempt: 1 },
      { attempt: 1 },
      { attempt: 1, held: true },
      { attempt: 1, held: true },
      { attempt: 1, held: true },
    ]);
    expect(run.state.tokens).toBe(5);
    expect(run.state.nodes.h2).toMatchObject({ status: "queued", held: true });

    // h0 is done at 7 s: h2 is sent, its lease counted from then.
    const next = run.send({
      type: "result",
      nodeId: "h0",
      attempt: 1,
      outcome: success,
      now: 7_000,
    });
    expect(executes(next)).toEqual(["h2"]);
    expect(timersSet(next)).toEqual([
      expect.objectContaining({
        kind: "lease",
        nodeId: "h2",
        at: 7_000 + 30_000 + leaseGraceMs(30_000),
      }),
    ]);
    expect(run.state.nodes.h2!.held).toBeUndefined();
  });

  it("ends the run with every held node run, and frees the window on failures and cancels", () => {
    const ir = fanOut(6);
    const fifo = simulate(ir, oracle({ h1: () => err("boom", false) }), { queueWindow: 2 });
    expect(fifo.status).toBe("failed");
    const hs = Object.entries(fifo.statuses).filter(([id]) => id.startsWith("h"));
    expect(hs.filter(([, s]) => s === "succeeded").map(([id]) => id)).toEqual([
      "h0",
      "h2",
      "h3",
      "h4",
      "h5",
    ]);
    expectSettledTokens(fifo);

    const run = win(ir);
    run.send({ type: "start", now: 0 });
    run.send({ type: "result", nodeId: "start", attempt: 1, outcome: success, now: 0 });
    expect(Object.values(run.state.nodes).filter((n) => n.held)).toHaveLength(4);
    const cancel = run.send({ type: "cancel", now: 1 });
    expect(executes(cancel)).toEqual([]);
    expect(Object.values(run.state.nodes).filter((n) => n.status === "cancelled")).toHaveLength(6);
  });

  it("reads AOB_QUEUE_WINDOW: empty is the default, anything but a whole number >= 1 is refused", () => {
    expect(queueWindow(undefined)).toBe(QUEUE_WINDOW);
    expect(queueWindow(" ")).toBe(QUEUE_WINDOW);
    expect(queueWindow("8")).toBe(8);
    for (const bad of ["0", "-1", "1.5", "many"]) {
      expect(() => queueWindow(bad)).toThrow(
        `AOB_QUEUE_WINDOW must be a whole number >= 1, not "${bad}"`,
      );
    }
  });
});

describe("scheduler: run deadline", () => {
  it("fails the run past its timeoutSeconds and cancels what is active; a run ended before it ignores it", () => {
    const result = validateWorkflow({
      name: "deadline",
      timeoutSeconds: 60,
      nodes: [
        START,
        { id: "ask", type: "approval", config: { message: "go?" } },
        { id: "done", type: "end" },
      ],
      edges: [
        { from: "start", to: "ask" },
        { from: "ask", to: "done", on: "approved" },
      ],
    });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const ir = compile(result.definition, { optimise: false });
    const run = new Manual(ir);
    const started = run.send({ type: "start", now: 1000 });
    const deadline = timersSet(started).find((t) => t.kind === "deadline")!;
    expect(deadline.at).toBe(61_000);
    run.send({
      type: "result",
      nodeId: "start",
      attempt: 1,
      outcome: { ok: true, port: null },
      now: 1,
    });
    run.send({ type: "wait", nodeId: "ask", attempt: 1, until: null, reason: "approval", now: 2 });
    expect(run.state.status).toBe("waiting");

    const fired = run.send({ type: "timer", timer: deadline, now: 61_000 });
    expect(run.state.status).toBe("failed");
    expect(run.state.nodes.ask!.status).toBe("cancelled");
    expect(run.state.tokens).toBe(0);
    expect(fired).toContainEqual(
      expect.objectContaining({
        type: "finish",
        status: "failed",
        error: expect.objectContaining({ code: "run_deadline_exceeded" }),
      }),
    );
    // Late or repeated: nothing changes.
    expect(run.send({ type: "timer", timer: deadline, now: 62_000 })).toEqual([]);
  });
});
