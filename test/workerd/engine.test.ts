import {
  abortAllDurableObjects,
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  runInDurableObject,
} from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import worker from "../../workers/index";
import { poll } from "../support/poll";
import {
  api,
  count,
  createWorkflow,
  elapse,
  type RunBody,
  startRun,
  stubOf,
  waitForRun,
} from "./helpers";

const fixture = inject("fixtureUrl");

async function events(runId: string) {
  const res = await api<{
    events: { seq: number; type: string; nodeId?: string; data?: Record<string, unknown> }[];
  }>("GET", `/api/runs/${runId}/events`);
  return res.body.events;
}

const single = (
  name: string,
  node: Record<string, unknown>,
  extra: Record<string, unknown>[] = [],
) => ({
  name,
  nodes: [{ id: "start", type: "start" }, { id: "step", ...node }, ...extra],
  edges: [
    { from: "start", to: "step" },
    ...extra.map((n) => ({ from: "step", to: n.id as string })),
  ],
});

describe("the RunObject", () => {
  it("persists the IR, node states and event log in its SQLite storage", async () => {
    const id = await createWorkflow(
      single("store", { type: "transform", config: { expression: "input.n * 2" } }),
    );
    const runId = await startRun(id, { n: 21 });
    await waitForRun(runId);
    await runInDurableObject(stubOf(runId), (_obj, state) => {
      const sql = state.storage.sql;
      const ir = JSON.parse(
        sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'ir'").one().v,
      ) as { irVersion: number };
      expect(ir.irVersion).toBe(3);
      const step = JSON.parse(
        sql.exec<{ state: string }>("SELECT state FROM nodes WHERE id = 'step'").one().state,
      );
      expect(step.status).toBe("succeeded");
      const output = sql
        .exec<{ json: string }>("SELECT json FROM outputs WHERE node_id = 'step'")
        .one();
      expect(JSON.parse(output.json)).toBe(42);
      const seqs = sql
        .exec<{ seq: number }>("SELECT seq FROM events ORDER BY seq")
        .toArray()
        .map((r) => r.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    });
  });

  it("retries a retryable failure after its backoff and succeeds", async () => {
    const tag = `flaky${Date.now()}`;
    const id = await createWorkflow(
      single("flaky", {
        type: "http",
        config: { url: `${fixture}/flaky/2/${tag}`, mode: "queued" },
        retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 },
      }),
    );
    const run = await waitForRun(await startRun(id));
    expect(run.status).toBe("completed");
    expect(run.nodes.find((n) => n.id === "step")?.attempt).toBe(3);
    expect(await count(tag)).toBe(3);
    expect((await events(run.id)).filter((e) => e.type === "node_retrying")).toHaveLength(2);
  });

  it("does not retry a 4xx, and routes the failure down an error edge", async () => {
    const tag = `e404${Date.now()}`;
    const id = await createWorkflow({
      name: "error edge",
      nodes: [
        { id: "start", type: "start" },
        { id: "call", type: "http", config: { url: `${fixture}/status/404/${tag}` } },
        {
          id: "fallback",
          type: "transform",
          config: { expression: "'fell back: ' & nodes.call.status" },
        },
        { id: "done", type: "end", config: { output: "{{ nodes.fallback.output }}" } },
      ],
      edges: [
        { from: "start", to: "call" },
        { from: "call", to: "fallback", on: "error" },
        { from: "fallback", to: "done" },
      ],
    });
    const run = await waitForRun(await startRun(id));
    expect(run.status).toBe("completed");
    expect(run.output).toBe("fell back: failed");
    expect(run.nodes.find((n) => n.id === "call")?.error?.code).toBe("http_404");
    expect(await count(tag)).toBe(1);
  });

  it("re-sends a job whose lease expired, accepts the first result and ignores the duplicate", async () => {
    const tag = `lease${Date.now()}`;
    const id = await createWorkflow(
      single("lease", {
        type: "http",
        config: { url: `${fixture}/slow/300/${tag}`, mode: "queued" },
        timeoutMs: 5000,
      }),
    );
    const runId = await startRun(id);
    expect(await elapse(runId)).toBe(true); // the lease expires while the first delivery is in flight
    const run = await waitForRun(runId);
    expect(run.status).toBe("completed");
    const log = await events(runId);
    expect(
      log
        .filter((e) => e.type === "node_queued" && e.nodeId === "step")
        .map((e) => e.data?.redelivery),
    ).toEqual([undefined, 1]);
    expect(log.filter((e) => e.type === "node_succeeded" && e.nodeId === "step")).toHaveLength(1);
    // Both deliveries reach the server (at-least-once); only the first result counts.
    await poll(
      "both deliveries to reach the server",
      () => count(tag),
      (n) => n >= 2,
    );
    expect(await count(tag)).toBe(2);
    expect((await events(runId)).length).toBe(log.length);
  });

  it("fails a node whose lease keeps expiring", async () => {
    const id = await createWorkflow(
      single("lost", {
        type: "http",
        config: { url: `${fixture}/slow/3000/lost${Date.now()}`, mode: "queued" },
        timeoutMs: 10_000,
        retry: { maxAttempts: 1 },
      }),
    );
    const runId = await startRun(id);
    for (let i = 0; i < 4; i++) await elapse(runId);
    const run = await waitForRun(runId);
    expect(run.status).toBe("failed");
    expect(run.nodes.find((n) => n.id === "step")?.error?.code).toBe("lease_expired");
  });

  it("accepts the first completion for an attempt and ignores repeats", async () => {
    const id = await createWorkflow(
      single(
        "dupes",
        { type: "http", config: { url: `${fixture}/slow/2000/dupe${Date.now()}`, mode: "queued" } },
        [{ id: "done", type: "end", config: { output: "{{ nodes.step.output }}" } }],
      ),
    );
    const runId = await startRun(id);
    const result = (output: unknown) => ({
      nodeId: "step",
      attempt: 1,
      startedAt: Date.now(),
      finishedAt: Date.now(),
      outcome: { ok: true as const, port: null, output, outputHash: "x" },
    });
    await stubOf(runId).complete([result("first")]);
    await stubOf(runId).complete([result("second"), result("third")]);
    const run = await waitForRun(runId);
    expect(run.output).toBe("first");
    const log = await events(runId);
    expect(log.filter((e) => e.type === "node_succeeded" && e.nodeId === "step")).toHaveLength(1);
  });

  it("parks a delay node on an alarm and wakes it", async () => {
    const id = await createWorkflow(single("delay", { type: "delay", config: { seconds: 3600 } }));
    const runId = await startRun(id);
    const waiting = await api<RunBody>("GET", `/api/runs/${runId}`);
    expect(waiting.body.status).toBe("waiting");
    expect(waiting.body.nodes.find((n) => n.id === "step")?.status).toBe("waiting");
    await runInDurableObject(stubOf(runId), async (_obj, state) => {
      expect(await state.storage.getAlarm()).toBeGreaterThan(Date.now() + 3_500_000);
    });
    expect(await elapse(runId)).toBe(true);
    expect((await api<RunBody>("GET", `/api/runs/${runId}`)).body.status).toBe("completed");
  });

  it("cancels a waiting run: tokens drop to 0, a second cancel is refused", async () => {
    const id = await createWorkflow(single("cancel", { type: "delay", config: { seconds: 3600 } }));
    const runId = await startRun(id);
    const res = await api<RunBody & { tokens: number }>("POST", `/api/runs/${runId}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("cancelled");
    expect(res.body.tokens).toBe(0);
    expect(res.body.nodes.find((n) => n.id === "step")?.status).toBe("cancelled");
    // Answered once the run list (D1) has it: read next, with no waiting.
    const listed = await api<{ runs: { id: string }[] }>(
      "GET",
      `/api/runs?status=cancelled&workflowId=${id}`,
    );
    expect(listed.body.runs.map((r) => r.id)).toEqual([runId]);
    expect((await api("POST", `/api/runs/${runId}/cancel`)).status).toBe(409);
    await runInDurableObject(stubOf(runId), async (_obj, state) => {
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });

  it("loses nothing when the object restarts mid-run", async () => {
    const id = await createWorkflow({
      name: "restart",
      nodes: [
        { id: "start", type: "start" },
        { id: "before", type: "transform", config: { expression: "input.n + 1" } },
        { id: "pause", type: "delay", config: { seconds: 60 } },
        { id: "after", type: "transform", config: { expression: "nodes.before.output * 10" } },
        {
          id: "done",
          type: "end",
          config: {
            output: { before: "{{ nodes.before.output }}", after: "{{ nodes.after.output }}" },
          },
        },
      ],
      edges: [
        { from: "start", to: "before" },
        { from: "before", to: "pause" },
        { from: "pause", to: "after" },
        { from: "after", to: "done" },
      ],
    });
    const runId = await startRun(id, { n: 4 });
    await abortAllDurableObjects(); // drops every in-memory instance; storage stays
    // The delay's time comes. The woken object may fire its alarm itself first (its outbox
    // owed R2 writes when it stopped), so who runs the alarm is not asserted: the end is.
    await elapse(runId);
    const run = await waitForRun(runId);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ before: 5, after: 50 });
  });

  it("maps over a list with bounded concurrency, in order", async () => {
    const tag = `map${Date.now()}`;
    const id = await createWorkflow(
      single(
        "map",
        {
          type: "map",
          config: {
            items: "[1..6]",
            concurrency: 2,
            node: {
              type: "http",
              config: { url: `${fixture}/echo/${tag}?i={{ item }}`, mode: "queued" },
            },
          },
        },
        [{ id: "done", type: "end", config: { output: "{{ nodes.step.output.body.query.i }}" } }],
      ),
    );
    const run = await waitForRun(await startRun(id));
    expect(run.status).toBe("completed");
    expect(run.output).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(await count(tag)).toBe(6);
  });
});

/** A queued job for node `step` of a run: GET the fixture's echo under `tag`. */
const echoJob = (runId: string, tag: string) => ({
  type: "execute",
  runId,
  tenantId: "t_a",
  nodeId: "step",
  attempt: 1,
  step: { type: "http", config: { method: "GET", url: `${fixture}/echo/${tag}` } },
  timeoutMs: 5000,
});

describe("the queue consumer", () => {
  it("executes a job, reports to its run, and acks; drops malformed messages and pings", async () => {
    const tag = `consumer${Date.now()}`;
    const id = await createWorkflow(
      single("consumer", {
        type: "http",
        config: { url: `${fixture}/slow/1500/${tag}-slow`, mode: "queued" },
      }),
    );
    const runId = await startRun(id);
    const batch = createMessageBatch("aob-node-work", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: echoJob(runId, tag) },
      { id: "m2", timestamp: new Date(), attempts: 1, body: { type: "nonsense" } },
      { id: "m3", timestamp: new Date(), attempts: 1, body: { type: "ping", id: "p" } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2", "m3"]);
    expect(result.retryMessages).toEqual([]);
    expect(await count(tag)).toBe(1);
    const run = await waitForRun(runId);
    expect(run.status).toBe("completed");
    const output = run.nodes.find((n) => n.id === "step")?.output as
      | { body: { name: string } }
      | undefined;
    expect(output?.body.name).toBe(tag);
  });

  it("acks a job for a run that does not exist: nothing to report to, nothing retried", async () => {
    const tag = `orphan${Date.now()}`;
    const runId = `run_never_${tag}`;
    const batch = createMessageBatch("aob-node-work", [
      { id: "o1", timestamp: new Date(), attempts: 1, body: echoJob(runId, tag) },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["o1"]);
    expect(result.retryMessages).toEqual([]);
    expect(await stubOf(runId).get()).toBeNull();
  });

  it("reports dead letters to the run as a failed attempt", async () => {
    const id = await createWorkflow(
      single("dead", {
        type: "http",
        config: { url: `${fixture}/slow/2000/dead${Date.now()}`, mode: "queued" },
        retry: { maxAttempts: 1 },
      }),
    );
    const runId = await startRun(id);
    const job = {
      type: "execute",
      runId,
      tenantId: "t_a",
      nodeId: "step",
      attempt: 1,
      step: { type: "http", config: { url: "http://unused.example/" } },
      timeoutMs: 5000,
    };
    const batch = createMessageBatch("aob-node-work-dlq", [
      { id: "d1", timestamp: new Date(), attempts: 1, body: job },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["d1"]);
    const run = await waitForRun(runId);
    expect(run.status).toBe("failed");
    expect(run.nodes.find((n) => n.id === "step")?.error?.code).toBe("dead_lettered");
  });
});
