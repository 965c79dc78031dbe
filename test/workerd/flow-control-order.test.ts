import { describe, expect, it } from "vitest";
import { poll } from "../support/poll";
import { eventsOf, held, holding, type Started, start } from "./gated";
import { api, createWorkflow, waitForRun } from "./helpers";

/*
 * Flow control (docs/FLOW-CONTROL.md): per-key queues, a full queue, throttle, debounce, priority
 * and sub-workflow children, each read from the fixture server and the runs' event logs.
 */

describe("flow control: keys, queues, throttle, debounce, priority", { timeout: 90_000 }, () => {
  it("keeps a queue per key: key A's backlog does not hold key B", async () => {
    const tag = `keys${Date.now()}`;
    const wf = await createWorkflow(
      holding(`per key ${tag}`, tag, 1500, { limit: 1, key: "{{ input.customer }}" }),
    );
    const a1 = (await start(wf, { customer: "A" })).body;
    const a2 = (await start(wf, { customer: "A" })).body;
    const a3 = (await start(wf, { customer: "A" })).body;
    const b1 = (await start(wf, { customer: "B" })).body;
    expect([a1.status, a2.status, a3.status, b1.status]).toEqual([
      "running",
      "queued",
      "queued",
      "running",
    ]);
    expect(a3.queue).toEqual({ position: 2, key: "A" });
    const view = await api<{ status: string; queue: unknown; nodes: unknown[] }>(
      "GET",
      `/api/runs/${a3.runId}`,
    );
    expect(view.body).toMatchObject({ status: "queued", queue: { position: 2, key: "A" } });
    expect(view.body.nodes).toEqual([]);
    // Its definition reads before it starts (the run page draws its graph from it).
    const definition = await api<{ version: number; source: string }>(
      "GET",
      `/api/runs/${a3.runId}/definition`,
    );
    expect(definition.body).toMatchObject({ version: 1, source: "version" });
    const listed = await api<{ runs: { id: string }[] }>(
      "GET",
      `/api/runs?status=queued&workflowId=${wf}`,
    );
    expect(listed.body.runs.map((r) => r.id).sort()).toEqual([a2.runId, a3.runId].sort());
    // B's run ends while A's backlog still waits.
    expect((await waitForRun(b1.runId, 20_000)).status).toBe("completed");
    const a3Now = await api<{ status: string }>("GET", `/api/runs/${a3.runId}`);
    expect(a3Now.body.status).toBe("queued");
    for (const r of [a1, a2, a3])
      expect((await waitForRun(r.runId, 20_000)).status).toBe("completed");
  });

  it("cancels a queued run (it never starts), and refuses a start past a full queue with 429", async () => {
    const tag = `full${Date.now()}`;
    const wf = await createWorkflow(holding(`full ${tag}`, tag, 1500, { limit: 1, maxQueued: 2 }));
    const first = (await start(wf, {})).body;
    const second = (await start(wf, {})).body;
    const third = (await start(wf, {})).body;
    expect([first.status, second.status, third.status]).toEqual(["running", "queued", "queued"]);
    const refused = await start(wf, {});
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: "queue_full" } });
    expect((refused.body as unknown as { error: { message: string } }).error.message).toContain(
      "2 runs are waiting (concurrency.maxQueued)",
    );
    const cancelled = await api<{ status: string; queue: unknown }>(
      "POST",
      `/api/runs/${second.runId}/cancel`,
    );
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    // The third moved up; the cancelled run's place is free again.
    const moved = await api<{ queue: { position: number } }>("GET", `/api/runs/${third.runId}`);
    expect(moved.body.queue.position).toBe(1);
    expect((await start(wf, {})).body.status).toBe("queued");
    expect((await waitForRun(third.runId, 20_000)).status).toBe("completed");
    // The cancelled run never started: the server saw the others' calls only.
    const after = await api<{ status: string; nodes: unknown[] }>(
      "GET",
      `/api/runs/${second.runId}`,
    );
    expect(after.body).toMatchObject({ status: "cancelled", nodes: [] });
    await poll(
      "the fourth run's call",
      () => held(tag),
      (h) => h.total === 3 && h.open === 0,
      { timeoutMs: 20_000 },
    );
  });

  it("throttles: exactly 3 starts per 2 s period, the rest queued and started as the period allows", async () => {
    const tag = `throttle${Date.now()}`;
    const wf = await createWorkflow({
      ...holding(`throttle ${tag}`, tag, 1, { limit: 1 }),
      concurrency: undefined,
      throttle: { limit: 3, periodSeconds: 2 },
    });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => start(wf, { i })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
    expect(answers.filter((a) => a.body.status === "running")).toHaveLength(3);
    const runs = await Promise.all(answers.map((a) => waitForRun(a.body.runId, 20_000)));
    expect(runs.map((r) => r.status)).toEqual(Array(8).fill("completed"));
    const logs = await Promise.all(answers.map((a) => eventsOf(a.body.runId)));
    // When the gate picked each run (its throttle counts these), and the run started after it.
    const picked = logs
      .map((events) => {
        const queued = events.find((e) => e.type === "run_queued")!;
        const started = events.find((e) => e.type === "run_started")!;
        const at = queued.data!.pickedAt as number;
        expect(queued.data!.reason).toMatch(
          /^(started at once|throttle of 3 starts per 2 s reached)$/,
        );
        expect(started.at).toBeGreaterThanOrEqual(at);
        return at;
      })
      .sort((a, b) => a - b);
    // No 2 s window holds more than 3 picks; the 4th waits for the 1st to leave its period.
    for (const t of picked) {
      expect(picked.filter((p) => p >= t && p < t + 2000).length).toBeLessThanOrEqual(3);
    }
    expect(picked[3]! - picked[0]!).toBeGreaterThanOrEqual(2000);
    expect(picked[6]! - picked[3]!).toBeGreaterThanOrEqual(2000);
  });

  it("debounces: starts within the period collapse into one run, which runs with the last input", async () => {
    const tag = `debounce${Date.now()}`;
    const wf = await createWorkflow({
      ...holding(`debounce ${tag}`, tag, 1, { limit: 1 }),
      concurrency: undefined,
      debounce: { periodSeconds: 1, key: "{{ input.who }}" },
    });
    const answers: Started[] = [];
    for (const v of [1, 2, 3, 4]) answers.push((await start(wf, { who: "ann", v })).body);
    const other = (await start(wf, { who: "bob", v: 9 })).body;
    expect(new Set(answers.map((a) => a.runId)).size).toBe(1);
    expect(answers.map((a) => a.status)).toEqual(Array(4).fill("queued"));
    expect(other.runId).not.toBe(answers[0]!.runId);
    const run = await waitForRun(answers[0]!.runId, 20_000);
    expect(run).toMatchObject({ status: "completed", output: { who: "ann", v: 4 } });
    expect((await waitForRun(other.runId, 20_000)).output).toEqual({ who: "bob", v: 9 });
    const listed = await api<{ runs: { id: string }[] }>("GET", `/api/runs?workflowId=${wf}`);
    expect(listed.body.runs).toHaveLength(2);
    // After the run started, a start opens a new period and a new run.
    const later = (await start(wf, { who: "ann", v: 5 })).body;
    expect(later.runId).not.toBe(answers[0]!.runId);
    expect((await waitForRun(later.runId, 20_000)).output).toEqual({ who: "ann", v: 5 });
  });

  it("starts the waiting run with the highest priority first, admission order among equals", async () => {
    const tag = `priority${Date.now()}`;
    const wf = await createWorkflow({
      name: `priority ${tag}`,
      concurrency: { limit: 1, priority: "{{ input.p }}" },
      nodes: [
        { id: "start", type: "start" },
        { id: "w", type: "wait", config: { event: `go.${tag}`, match: "{{ $string(input.n) }}" } },
        { id: "done", type: "end", config: { output: "{{ input.n }}" } },
      ],
      edges: [
        { from: "start", to: "w" },
        { from: "w", to: "done", on: "received" },
      ],
    });
    const holder = (await start(wf, { n: 0, p: 0 })).body;
    expect(holder.status).toBe("running");
    const queued: Started[] = [];
    for (const [n, p] of [
      [1, 1],
      [2, 5],
      [3, 3],
      [4, 5],
    ] as const) {
      queued.push((await start(wf, { n, p })).body);
    }
    const position = async (runId: string) =>
      (await api<{ queue: { position: number } }>("GET", `/api/runs/${runId}`)).body.queue.position;
    expect(await Promise.all(queued.map((q) => position(q.runId)))).toEqual([4, 1, 3, 2]);
    // Each run, once started, waits for its own event: release them one at a time.
    const order: number[] = [];
    let current = 0;
    for (let i = 0; i < 5; i++) {
      await api("POST", "/api/events", { name: `go.${tag}`, key: String(current) });
      if (i === 4) break;
      const previous = [holder, ...queued][current]!.runId;
      const next = await poll(
        "the next run to start",
        async () =>
          (
            await api<{ runs: { id: string; status: string }[] }>(
              "GET",
              `/api/runs?workflowId=${wf}`,
            )
          ).body.runs.filter((r) => ["running", "waiting"].includes(r.status)),
        (active) => active.length === 1 && active[0]!.id !== previous,
      );
      const n = [holder, ...queued].findIndex((r) => r.runId === next[0]!.id);
      order.push(n);
      current = n;
    }
    expect(order).toEqual([2, 4, 3, 1]);
  });

  it("queues sub-workflow children behind their workflow's limit: a map of 4 runs them one at a time", async () => {
    const tag = `children${Date.now()}`;
    const child = await createWorkflow({
      name: `limited child ${tag}`,
      concurrency: { limit: 1 },
      nodes: [
        { id: "start", type: "start" },
        { id: "work", type: "transform", config: { expression: "input.n * 10" } },
        { id: "done", type: "end", config: { output: "{{ nodes.work.output }}" } },
      ],
      edges: [
        { from: "start", to: "work" },
        { from: "work", to: "done" },
      ],
    });
    const parent = await createWorkflow({
      name: `parent ${tag}`,
      nodes: [
        { id: "start", type: "start" },
        {
          id: "each",
          type: "map",
          config: {
            items: "[1..4]",
            concurrency: 4,
            node: { type: "subworkflow", config: { workflow: child, input: { n: "{{ item }}" } } },
          },
        },
        { id: "done", type: "end", config: { output: "{{ nodes.each.output }}" } },
      ],
      edges: [
        { from: "start", to: "each" },
        { from: "each", to: "done" },
      ],
    });
    const runId = (await start(parent, {})).body.runId;
    const run = await waitForRun(runId, 20_000);
    expect(run).toMatchObject({ status: "completed", output: [10, 20, 30, 40] });
    const children = (await api<{ runs: { id: string }[] }>("GET", `/api/runs?workflowId=${child}`))
      .body.runs;
    expect(children).toHaveLength(4);
    const spans = await Promise.all(
      children.map(async (c) => {
        const events = await eventsOf(c.id);
        return {
          from: events.find((e) => e.type === "run_started")!.at,
          to: events.find((e) => e.type === "run_completed")!.at,
        };
      }),
    );
    spans.sort((a, b) => a.from - b.from);
    for (let i = 1; i < spans.length; i++) {
      expect(spans[i]!.from).toBeGreaterThanOrEqual(spans[i - 1]!.to);
    }
  });
});
