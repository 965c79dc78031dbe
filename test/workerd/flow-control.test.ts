import { describe, expect, it } from "vitest";
import { poll } from "../support/poll";
import { eventsOf, held, holding, start } from "./gated";
import { api, createWorkflow, waitForRun } from "./helpers";

/*
 * Flow control (docs/FLOW-CONTROL.md): a workflow's `concurrency` limit holds its runs, per key;
 * the rest wait as `queued` and start in admission order when a slot frees. Counted from the
 * fixture server (requests open at once) and the runs' event logs, not from timing. Split in
 * three files, each its own runtime: the two 100-run scenarios are in different ones.
 */

describe("flow control: the limit and its refusals", { timeout: 90_000 }, () => {
  it("runs 100 runs of a workflow with limit 5: never more than 5 calls open, all complete, started in admission order", async () => {
    const tag = `limit${Date.now()}`;
    const wf = await createWorkflow(holding(`limit 5 ${tag}`, tag, 200, { limit: 5 }));
    // All at once: the gate admits them in some order, which each run's log records.
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => start(wf, { i })));
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(202));
    const started = answers.map((a) => a.body);
    expect(started.filter((s) => s.status === "running").length).toBeGreaterThanOrEqual(5);
    expect(started.filter((s) => s.status === "queued").length).toBeGreaterThan(50);
    // One poll of the run list, not 100 pollers.
    await poll(
      "100 runs to end",
      async () =>
        (await api<{ runs: { status: string }[] }>("GET", `/api/runs?workflowId=${wf}&limit=100`))
          .body.runs,
      (runs) => runs.length === 100 && runs.every((r) => !["queued", "running"].includes(r.status)),
      { timeoutMs: 80_000, show: (runs) => runs.map((r) => r.status).join(",") },
    );
    const runs = await Promise.all(started.map((s) => waitForRun(s.runId)));
    expect(runs.map((r) => r.status)).toEqual(Array(100).fill("completed"));
    const server = await held(tag);
    expect(server.total).toBe(100);
    // The limit holds; and runs did share it (how many overlap depends on the machine's pace).
    expect(server.most).toBeLessThanOrEqual(5);
    expect(server.most).toBeGreaterThanOrEqual(3);
    // Each run's log opens with its admission (its place in the gate's order), then its start.
    const logs = await Promise.all(started.map((s) => eventsOf(s.runId)));
    const admitted = logs.map((events, i) => {
      const [queued, first] = events;
      // Why it waited, or that it did not.
      const reason =
        started[i]!.status === "queued" ? "concurrency limit of 5 reached" : "started at once";
      expect(queued).toMatchObject({ type: "run_queued", data: { key: null, reason } });
      expect(first?.type).toBe("run_started");
      expect(queued!.at).toBeLessThanOrEqual(first!.at);
      return { order: queued!.data!.order as number, startedAt: first!.at };
    });
    admitted.sort((a, b) => a.order - b.order);
    expect(new Set(admitted.map((a) => a.order)).size).toBe(100);
    const startTimes = admitted.map((a) => a.startedAt);
    expect(startTimes).toEqual([...startTimes].sort((a, b) => a - b));
  });

  it("refuses a throttle key that differs from the concurrency key, with its path", async () => {
    const res = await api<{ error: { details: { errors: { at: string }[] } } }>(
      "POST",
      "/api/workflows",
      {
        ...holding(`two keys ${Date.now()}`, "twokeys", 1, { limit: 1, key: "{{ input.a }}" }),
        throttle: { limit: 1, periodSeconds: 1, key: "{{ input.b }}" },
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors.map((e) => e.at)).toContain("throttle.key");
  });

  it("shows which admission tier a workflow is in and why", async () => {
    const agents = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        id: `a${i}`,
        type: "agent",
        config: { prompt: "unused" },
      }));
    const tiers: unknown[] = [];
    for (const n of [0, 1, 3]) {
      const id = await createWorkflow({
        name: `tier ${n} ${Date.now()}`,
        nodes: [{ id: "start", type: "start" }, ...agents(n)],
        edges: agents(n).map((a) => ({ from: "start", to: a.id })),
      });
      tiers.push((await api<{ admission: unknown }>("GET", `/api/workflows/${id}`)).body.admission);
    }
    // The test environment's limits (vitest.workerd.config.ts): none 200, light 40, heavy 3 an hour.
    expect(tiers).toEqual([
      {
        tier: "none",
        agentNodes: 0,
        runsPerWindow: 200,
        windowSeconds: 3600,
        reason: "no agent nodes: none tier, 200 runs per 3600 s per tenant",
      },
      {
        tier: "light",
        agentNodes: 1,
        runsPerWindow: 40,
        windowSeconds: 3600,
        reason: "1 agent node: light tier (1 or 2), 40 runs per 3600 s per tenant",
      },
      {
        tier: "heavy",
        agentNodes: 3,
        runsPerWindow: 3,
        windowSeconds: 3600,
        reason: "3 agent nodes: heavy tier (3 or more), 3 runs per 3600 s per tenant",
      },
    ]);
  });

  it("refuses a key that does not render, with its path", async () => {
    const wf = await createWorkflow(
      holding(`bad key ${Date.now()}`, "badkey", 1, { limit: 1, key: "{{ $error('no') }}" }),
    );
    const res = await start(wf, {});
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: { code: "validation_failed", details: { errors: [{ at: "concurrency.key" }] } },
    });
  });
});
