import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DevServer } from "../support/dev-server";
import { poll } from "../support/poll";

interface RunBody {
  status: string;
  output?: unknown;
  nodes: { id: string; status: string }[];
}

/**
 * Reads the run until `predicate` holds; the outermost end-to-end level, so a bounded `poll`,
 * with room for `wrangler dev` restarting (this test allows itself 180 s).
 */
function waitFor(
  dev: DevServer,
  runId: string,
  predicate: (run: RunBody) => boolean,
  timeoutMs = 30_000,
) {
  return poll(
    `run ${runId} to reach the expected state`,
    async () => (await dev.api<RunBody>("GET", `/api/runs/${runId}`)).body,
    predicate,
    { timeoutMs, show: (run) => `${JSON.stringify(run)}\n${dev.output().slice(-2000)}` },
  );
}

describe("stopping wrangler dev in the middle of a run", () => {
  const counts = new Map<string, number>();
  let server: Server;
  let base = "";
  let dev: DevServer;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const name = url.pathname.split("/")[2] ?? "";
      counts.set(name, (counts.get(name) ?? 0) + 1);
      const delay = url.pathname.startsWith("/slow/") ? 1500 : 0;
      setTimeout(() => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ name, value: name.length * 10 }));
      }, delay);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dev = new DevServer({ AOB_HTTP_ALLOWLIST: new URL(base).host });
    dev.prepare();
    await dev.start();
  }, 120_000);

  afterAll(async () => {
    await dev?.stop();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it("completes with the same outputs after a hard kill and a restart on the same state", async () => {
    const definition = (tag: string) => ({
      name: `restart-${tag}`,
      nodes: [
        { id: "start", type: "start" },
        { id: "first", type: "http", config: { url: `${base}/fast/${tag}first`, mode: "queued" } },
        { id: "pause", type: "delay", config: { seconds: 2 } },
        {
          id: "second",
          type: "http",
          config: { url: `${base}/slow/${tag}second`, mode: "queued" },
          timeoutMs: 3000,
        },
        {
          id: "done",
          type: "end",
          config: {
            output: {
              first: "{{ nodes.first.output.body.value }}",
              second: "{{ nodes.second.output.body.value }}",
            },
          },
        },
      ],
      edges: [
        { from: "start", to: "first" },
        { from: "first", to: "pause" },
        { from: "pause", to: "second" },
        { from: "second", to: "done" },
      ],
    });

    // Reference: the same workflow, undisturbed.
    const ref = await dev.api<{ id: string }>("POST", "/api/workflows", definition("ref"));
    const refRun = await dev.api<{ runId: string }>("POST", `/api/workflows/${ref.body.id}/runs`, {
      input: {},
    });
    const expected = await waitFor(dev, refRun.body.runId, (r) => r.status === "completed");

    // Kill #1 while the run waits on its delay alarm.
    const wf = await dev.api<{ id: string }>("POST", "/api/workflows", definition("ref"));
    const started = await dev.api<{ runId: string }>("POST", `/api/workflows/${wf.body.id}/runs`, {
      input: {},
    });
    const runId = started.body.runId;
    await waitFor(dev, runId, (r) => r.nodes.find((n) => n.id === "pause")?.status === "waiting");
    await dev.stop();
    await dev.start();

    // Kill #2 while the slow http node is in flight on the queue.
    await waitFor(dev, runId, (r) =>
      ["queued", "running"].includes(r.nodes.find((n) => n.id === "second")?.status ?? ""),
    );
    await dev.stop();
    await dev.start();

    const run = await waitFor(
      dev,
      runId,
      (r) => r.status === "completed" || r.status === "failed",
      60_000,
    );
    expect(run.status).toBe("completed");
    expect(run.output).toEqual(expected.output);
    expect(run.output).toEqual({ first: 80, second: 90 });
    // The first call happened before any kill: never repeated.
    expect(counts.get("reffirst")).toBe(2); // once for the reference run, once for this run
  }, 180_000);

  it("a parent waiting on its child run, itself waiting for an event, ends after a kill once the event comes and the child is decided", async () => {
    const child = await dev.api<{ id: string }>("POST", "/api/workflows", {
      name: "restart-child",
      nodes: [
        { id: "start", type: "start" },
        { id: "w", type: "wait", config: { event: "restart.go", match: "{{ input.why }}" } },
        { id: "gate", type: "approval", config: { message: "go on?" } },
        {
          id: "done",
          type: "end",
          config: { output: { went: "{{ input.why }}", got: "{{ nodes.w.output }}" } },
        },
      ],
      edges: [
        { from: "start", to: "w" },
        { from: "w", to: "gate", on: "received" },
        { from: "gate", to: "done", on: "approved" },
      ],
    });
    const parent = await dev.api<{ id: string }>("POST", "/api/workflows", {
      name: "restart-parent",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "sub",
          type: "subworkflow",
          config: { workflow: child.body.id, input: { why: "{{ input.why }}" } },
        },
        { id: "done", type: "end", config: { output: "{{ nodes.sub.output }}" } },
      ],
      edges: [
        { from: "start", to: "sub" },
        { from: "sub", to: "done" },
      ],
    });
    const started = await dev.api<{ runId: string }>(
      "POST",
      `/api/workflows/${parent.body.id}/runs`,
      { input: { why: "kept" } },
    );
    const runId = started.body.runId;
    const waiting = await waitFor(dev, runId, (r) =>
      Boolean((r.nodes as { childRunId?: string }[]).find((n) => n.childRunId)),
    );
    const childId = (waiting.nodes as { id: string; childRunId?: string }[]).find(
      (n) => n.id === "sub",
    )!.childRunId!;
    await waitFor(dev, childId, (r) => r.nodes.some((n) => n.id === "w" && n.status === "waiting"));

    await dev.stop();
    await dev.start();

    // The wait registered before the kill: an event sent by name and key finds it.
    const sent = await dev.api<{ delivered: { runId: string }[] }>("POST", "/api/events", {
      name: "restart.go",
      key: "kept",
      data: 7,
    });
    expect(sent.body.delivered).toEqual([{ runId: childId, nodeId: "w", attempt: 1 }]);
    await waitFor(dev, childId, (r) =>
      r.nodes.some((n) => n.id === "gate" && n.status === "waiting"),
    );
    const decided = await dev.api("POST", `/api/runs/${childId}/approvals/gate`, {
      decision: "approve",
    });
    expect(decided.status).toBe(200);
    const run = await waitFor(dev, runId, (r) => r.status === "completed" || r.status === "failed");
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ went: "kept", got: 7 });
  }, 120_000);

  it("runs each of 50 runs queued behind a concurrency limit exactly once across a kill", async () => {
    const tag = `q${Date.now()}`;
    const wf = await dev.api<{ id: string }>("POST", "/api/workflows", {
      name: `restart-queue-${tag}`,
      concurrency: { limit: 5 },
      nodes: [
        { id: "start", type: "start" },
        {
          id: "call",
          type: "http",
          config: { url: `${base}/slow/${tag}-{{ input.i }}`, mode: "queued" },
          timeoutMs: 5000,
        },
        { id: "done", type: "end", config: { output: "{{ input.i }}" } },
      ],
      edges: [
        { from: "start", to: "call" },
        { from: "call", to: "done" },
      ],
    });
    const started: { runId: string; status: string }[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await dev.api<{ runId: string; status: string }>(
        "POST",
        `/api/workflows/${wf.body.id}/runs`,
        { input: { i } },
      );
      expect(res.status).toBe(202);
      started.push(res.body);
    }
    expect(started.filter((s) => s.status === "queued").length).toBeGreaterThanOrEqual(40);
    type Listed = { runs: { id: string; status: string }[] };
    const list = () =>
      dev.api<Listed>("GET", `/api/runs?workflowId=${wf.body.id}&limit=100`).then((r) => r.body);
    // Kill it with runs done, runs in flight and most still queued.
    await poll("some runs to complete", list, (l) => l.runs.some((r) => r.status === "completed"));
    await dev.stop();
    await dev.start();

    const ended = await poll(
      "all 50 runs to end",
      list,
      (l) => l.runs.length === 50 && l.runs.every((r) => !["queued", "running"].includes(r.status)),
      { timeoutMs: 90_000, show: (l) => l.runs.map((r) => r.status).join(",") },
    );
    expect(ended.runs.map((r) => r.status)).toEqual(Array(50).fill("completed"));
    // Each run started once: one start and one end in its log, its own input as its output.
    for (const [i, s] of started.entries()) {
      const events = await dev.api<{ events: { type: string }[] }>(
        "GET",
        `/api/runs/${s.runId}/events`,
      );
      const types = events.body.events.map((e) => e.type);
      expect(types.filter((t) => t === "run_started")).toHaveLength(1);
      expect(types.filter((t) => t === "run_completed")).toHaveLength(1);
      const run = await dev.api<{ output: unknown }>("GET", `/api/runs/${s.runId}`);
      expect(run.body.output).toBe(i);
    }
    // Every run called once; a call in flight at the kill may have been sent again (at most the
    // limit's worth).
    const calls = [...counts.entries()].filter(([name]) => name.startsWith(`${tag}-`));
    expect(calls.map(([name]) => name).sort()).toEqual(
      Array.from({ length: 50 }, (_, i) => `${tag}-${i}`).sort(),
    );
    const repeated = calls.filter(([, n]) => n > 1).length;
    expect(repeated).toBeLessThanOrEqual(5);
  }, 180_000);
});
