import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { projectApprovals, projectRun } from "../../db/projection";
import type { Stats } from "../../workers/api/schemas/stats";
import { poll } from "../support/poll";
import { script } from "./agent-helpers";
import { api, createWorkflow, ECHO_WORKFLOW, startRun, waitForRun } from "./helpers";
import { OTHER_KEY, TEST_KEY } from "./setup";

/*
 * `GET /api/stats` and `GET /api/metrics` (docs/OBSERVABILITY.md) over runs whose outcomes the
 * test knows: this file's storage is its own, so every figure is exact.
 */

const fixture = inject("fixtureUrl");
/** Priced in vitest.workerd.config.ts: $1 / $0.5 cached / $2 per million tokens. */
const MODEL = "stats-priced";

const definitions = {
  /** Fails when its input says so (an expression error is not retried). */
  observed: {
    name: "observed",
    nodes: [
      { id: "start", type: "start" },
      {
        id: "work",
        type: "transform",
        config: { expression: 'input.fail ? $error("boom") : "ok"' },
      },
      { id: "done", type: "end", config: { output: "{{ nodes.work.output }}" } },
    ],
    edges: [
      { from: "start", to: "work" },
      { from: "work", to: "done" },
    ],
  },
  /** One run at a time, each holding for a minute: the second waits in the queue. */
  held: {
    name: "held",
    concurrency: { limit: 1 },
    nodes: [
      { id: "start", type: "start" },
      { id: "hold", type: "delay", config: { seconds: 60 } },
      { id: "done", type: "end" },
    ],
    edges: [
      { from: "start", to: "hold" },
      { from: "hold", to: "done" },
    ],
  },
  asked: {
    name: "asked",
    nodes: [
      { id: "start", type: "start" },
      { id: "ask", type: "approval", config: { message: "go?" } },
      { id: "done", type: "end" },
    ],
    edges: [
      { from: "start", to: "ask" },
      { from: "ask", to: "done", on: "approved" },
    ],
  },
  /** Fails twice (503, retried), then answers. */
  flaky: (tag: string) => ({
    name: "flaky",
    nodes: [
      { id: "start", type: "start" },
      {
        id: "call",
        type: "http",
        config: { url: `${fixture}/flaky/2/${tag}`, mode: "queued" },
        retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 },
      },
      { id: "done", type: "end" },
    ],
    edges: [
      { from: "start", to: "call" },
      { from: "call", to: "done" },
    ],
  }),
  agent: {
    name: "agent",
    nodes: [
      { id: "start", type: "start" },
      { id: "think", type: "agent", config: { model: MODEL, prompt: "Think", tools: [] } },
      { id: "done", type: "end", config: { output: "{{ nodes.think.output }}" } },
    ],
    edges: [
      { from: "start", to: "think" },
      { from: "think", to: "done" },
    ],
  },
};

const ids: Record<string, string> = {};
const runs: Record<string, string[]> = {};
const OPERATOR_TOKEN = "operator-test-token";
/** The held workflow's figures while two of its runs waited in its queue. */
let whileQueued: Stats;

async function ended(id: string) {
  const run = await waitForRun(id);
  // The projection to D1 is written in the background after the run ends.
  await poll(
    `run ${id}'s end in D1`,
    async () =>
      (
        await api<{ runs: { id: string; status: string }[] }>("GET", "/api/runs?limit=100")
      ).body.runs.find((r) => r.id === id)?.status,
    (status) => status === run.status,
  );
  return run;
}

async function metrics(key = TEST_KEY, query = ""): Promise<Response> {
  return SELF.fetch(`https://aob.test/api/metrics${query}`, {
    headers: { authorization: `Bearer ${key}` },
  });
}

/** The value of one sample of the exposition (labels as written), or undefined. */
function sample(text: string, line: string): number | undefined {
  const found = text.split("\n").find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

beforeAll(async () => {
  ids.observed = await createWorkflow(definitions.observed);
  ids.held = await createWorkflow(definitions.held);
  ids.asked = await createWorkflow(definitions.asked);
  ids.flaky = await createWorkflow(definitions.flaky(`stats${Date.now()}`));
  ids.agent = await createWorkflow(definitions.agent);
  await script(fixture, MODEL, [
    { content: "thought", usage: { prompt: 1000, completion: 200, cached: 400 } },
  ]);

  runs.observed = [
    await startRun(ids.observed!, { fail: false }),
    await startRun(ids.observed!, { fail: false }),
    await startRun(ids.observed!, { fail: true }),
  ];
  runs.flaky = [await startRun(ids.flaky!)];
  runs.agent = [await startRun(ids.agent!)];
  runs.asked = [await startRun(ids.asked!)];
  // The first held run holds its workflow's only slot; the second and third wait in its queue.
  // Cancelling the first lets the gate start the second; the third is cancelled while queued
  // and ends without ever starting (db/runs.ts markQueuedRunEnded); then the second.
  const first = await startRun(ids.held!);
  await poll(
    `held run ${first} to wait`,
    async () => (await api<{ status: string }>("GET", `/api/runs/${first}`)).body.status,
    (s) => s === "waiting",
  );
  const queued: string[] = [];
  for (let i = 0; i < 2; i++) {
    const more = await api<{ runId: string; status: string }>(
      "POST",
      `/api/workflows/${ids.held}/runs`,
      {},
    );
    expect(more.body.status).toBe("queued");
    queued.push(more.body.runId);
  }
  const [second, third] = queued as [string, string];
  runs.held = [first, second, third];
  whileQueued = (await api<Stats>("GET", `/api/stats?workflow=${ids.held}`)).body;
  expect((await api("POST", `/api/runs/${first}/cancel`)).status).toBe(200);
  await poll(
    `queued run ${second} to be started by its gate`,
    async () => (await api<{ status: string }>("GET", `/api/runs/${second}`)).body.status,
    (s) => s === "waiting",
  );
  for (const id of [third, second]) {
    expect((await api("POST", `/api/runs/${id}/cancel`)).status).toBe(200);
  }
  await poll(
    `run ${runs.asked[0]} to wait for its approval`,
    async () => (await api<{ status: string }>("GET", `/api/runs/${runs.asked![0]}`)).body.status,
    (s) => s === "waiting",
  );
  const vote = await api("POST", `/api/runs/${runs.asked[0]}/approvals/ask`, {
    decision: "approve",
  });
  expect(vote.status).toBe(200);
  for (const id of Object.values(runs).flat()) await ended(id);
  // Another tenant's run: never in tenant A's figures, always in the operator's.
  const other = await api<{ id: string }>("POST", "/api/workflows", ECHO_WORKFLOW, OTHER_KEY);
  const otherRun = await api<{ runId: string }>(
    "POST",
    `/api/workflows/${other.body.id}/runs`,
    { input: 1 },
    OTHER_KEY,
  );
  await poll(
    "tenant B's run to end in D1",
    async () =>
      (await api<{ runs: { status: string }[] }>("GET", "/api/runs", undefined, OTHER_KEY)).body
        .runs[0]?.status,
    (s) => s === "completed",
  );
  expect(otherRun.status).toBe(202);
}, 60_000);

describe("GET /api/stats", () => {
  it("counts the window's runs by how they ended, per bucket, with their durations", async () => {
    const res = await api<Stats>("GET", "/api/stats");
    expect(res.status).toBe(200);
    const stats = res.body;
    expect(stats.totals).toMatchObject({ started: 9, completed: 5, failed: 1, cancelled: 3 });
    expect(stats.bucket).toBe("15m");
    expect(stats.until - stats.since).toBe(86_400_000);
    // A point per bucket, zeros included, aligned; they add up to the totals.
    expect(stats.series.length).toBeGreaterThanOrEqual(96);
    expect(stats.series.every((p) => p.t % stats.bucketMs === 0)).toBe(true);
    const sum = (k: "started" | "completed" | "failed" | "cancelled") =>
      stats.series.reduce((s, p) => s + p[k], 0);
    expect([sum("started"), sum("completed"), sum("failed"), sum("cancelled")]).toEqual([
      9, 5, 1, 3,
    ]);
    expect(stats.durations.runs).toBe(9);
    const { p50Ms, p95Ms, p99Ms, maxMs } = stats.durations;
    expect(p50Ms! <= p95Ms! && p95Ms! <= p99Ms! && p99Ms! <= maxMs!).toBe(true);
    expect(stats.capped).toEqual({ durations: false, nodes: false, models: false, queue: false });
  });

  it("narrows to one workflow: its runs, its failing node, its slowest nodes", async () => {
    const res = await api<Stats>("GET", `/api/stats?workflow=${ids.observed}&bucket=1h`);
    expect(res.status).toBe(200);
    const { totals, nodes, series, workflowId } = res.body;
    expect(workflowId).toBe(ids.observed);
    expect(series).toHaveLength(24 + (res.body.since % 3_600_000 === 0 ? 0 : 1));
    expect(totals).toMatchObject({ started: 3, completed: 2, failed: 1, cancelled: 0 });
    // start, work and end ran in each of the three runs; `done` did not run in the failed one.
    expect(nodes).toMatchObject({ attempts: 8, executions: 8, failures: 1, retries: 0 });
    expect(nodes.failing).toEqual([
      expect.objectContaining({
        workflowId: ids.observed,
        workflowName: "observed",
        nodeId: "work",
        kind: "transform",
        executions: 3,
        failures: 1,
      }),
    ]);
    expect(nodes.slowest.map((n) => n.nodeId).sort()).toEqual(["done", "start", "work"]);
  });

  it("counts retries, tokens and cost by model, and approvals' time to decision", async () => {
    const all = (await api<Stats>("GET", "/api/stats")).body;
    expect(all.nodes.retries).toBe(2);
    const call = all.nodes.slowest.find((n) => n.nodeId === "call");
    expect(call).toMatchObject({
      kind: "http",
      attempts: 3,
      executions: 1,
      retries: 2,
      failures: 0,
    });
    // 600 uncached prompt tokens at $1, 400 cached at $0.5, 200 completion at $2 per million.
    const cost = (600 * 1 + 400 * 0.5 + 200 * 2) / 1_000_000;
    expect(all.models).toEqual([
      {
        model: MODEL,
        promptTokens: 1000,
        completionTokens: 200,
        cachedTokens: 400,
        calls: 1,
        costUsd: cost,
      },
    ]);
    expect(all.totals.tokens).toBe(1200);
    expect(all.totals.costUsd).toBeCloseTo(cost, 12);
    expect(all.workflows).toEqual([
      { workflowId: ids.agent, name: "agent", runs: 1, tokens: 1200, costUsd: cost },
    ]);
    const bucket = all.series.find((p) => Object.keys(p.models).length > 0);
    expect(bucket?.models).toEqual({ [MODEL]: { tokens: 1200, costUsd: cost } });
    expect(all.approvals).toMatchObject({ pending: 0, approved: 1, rejected: 0, decided: 1 });
    expect(all.approvals.p50Ms).toBeGreaterThanOrEqual(0);
  });

  it("counts the runs queued now, and how long the gated runs that began waited in the queue", async () => {
    expect(whileQueued.queue).toMatchObject({ queued: 2, started: 1 });
    const rows = await env.DB.prepare(
      "SELECT id, started_at - created_at AS waited FROM runs WHERE workflow_id = ? AND started_at IS NOT NULL",
    )
      .bind(ids.held)
      .all<{ id: string; waited: number }>();
    // The first began at once; the second when the first was cancelled; the third never began.
    expect(rows.results.map((r) => r.id).sort()).toEqual(runs.held!.slice(0, 2).sort());
    const waits = rows.results.map((r) => r.waited).sort((a, b) => a - b) as [number, number];
    expect(waits[1]).toBeGreaterThan(waits[0]);
    for (const query of ["", `?workflow=${ids.held}`]) {
      const { queue } = (await api<Stats>("GET", `/api/stats${query}`)).body;
      expect(queue).toEqual({
        queued: 0,
        started: 2,
        meanMs: (waits[0] + waits[1]) / 2,
        p50Ms: waits[0],
        p95Ms: waits[1],
        p99Ms: waits[1],
        maxMs: waits[1],
      });
    }
  });

  it("refuses a window that is backwards, longer than 31 days, or of too many buckets; 404 for another tenant's workflow", async () => {
    const now = Date.now();
    const refused = [
      [`/api/stats?since=${now}&until=${now - 1}`, "since"],
      [`/api/stats?since=${now - 32 * 86_400_000}&until=${now}`, "since"],
      [`/api/stats?since=${now - 7 * 86_400_000}&bucket=1m`, "bucket"],
      ["/api/stats?bucket=2m", "bucket"],
    ] as const;
    for (const [path, at] of refused) {
      const res = await api<{ error: { code: string; details: { errors: { at: string }[] } } }>(
        "GET",
        path,
      );
      expect(res.status, path).toBe(400);
      expect(res.body.error.code).toBe("bad_request");
      expect(res.body.error.details.errors.map((e) => e.at)).toEqual([at]);
    }
    expect(
      (await api("GET", `/api/stats?workflow=${ids.observed}`, undefined, OTHER_KEY)).status,
    ).toBe(404);
    const theirs = await api<Stats>("GET", "/api/stats", undefined, OTHER_KEY);
    expect(theirs.body.totals).toMatchObject({ started: 1, completed: 1 });
  });
});

describe("GET /api/metrics", () => {
  it("serves the tenant's counters, histograms and gauges in the Prometheus text format", async () => {
    const res = await metrics();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    const runsOf = (wf: string, status: string) =>
      sample(text, `aob_runs_total{workflow="${ids[wf]}",status="${status}"}`);
    expect([runsOf("observed", "completed"), runsOf("observed", "failed")]).toEqual([2, 1]);
    expect(runsOf("held", "cancelled")).toBe(3);
    expect(sample(text, `aob_workflow_info{workflow="${ids.observed}",name="observed"}`)).toBe(1);
    expect(sample(text, 'aob_node_attempts_total{kind="http",outcome="retried"}')).toBe(2);
    expect(sample(text, 'aob_node_attempts_total{kind="http",outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'aob_node_attempts_total{kind="transform",outcome="failed"}')).toBe(1);
    expect(sample(text, 'aob_node_duration_seconds_count{kind="transform"}')).toBe(3);
    expect(sample(text, 'aob_node_duration_seconds_bucket{kind="transform",le="+Inf"}')).toBe(3);
    expect(sample(text, `aob_tokens_total{model="${MODEL}",type="prompt"}`)).toBe(1000);
    expect(sample(text, `aob_tokens_total{model="${MODEL}",type="completion"}`)).toBe(200);
    expect(sample(text, `aob_cached_tokens_total{model="${MODEL}"}`)).toBe(400);
    expect(sample(text, `aob_cost_usd_total{model="${MODEL}"}`)).toBeCloseTo(0.0012, 12);
    expect(sample(text, "aob_approvals_pending")).toBe(0);
    expect(sample(text, 'aob_approval_decision_seconds_count{decision="approved"}')).toBe(1);
    expect(sample(text, 'aob_approval_decision_seconds_bucket{decision="approved",le="10"}')).toBe(
      1,
    );
    for (const family of ["aob_runs_total", "aob_node_duration_seconds", "aob_approvals_pending"]) {
      expect(text).toContain(`# HELP ${family} `);
    }
    expect(text).toContain("# TYPE aob_node_duration_seconds histogram\n");
    // Another tenant's workflow is not in it.
    expect(await (await metrics(OTHER_KEY)).text()).not.toContain(ids.observed);
  });

  it("counts an end once however often it is projected, and keeps counting a run retention deleted", async () => {
    const runId = runs.observed![0]!;
    const row = await env.DB.prepare("SELECT * FROM runs WHERE id = ?").bind(runId).first<{
      tenant_id: string;
      workflow_id: string;
      created_at: number;
      finished_at: number;
    }>();
    // The run's object projecting its end again (a retry after an answer lost on the way).
    const again = {
      run: {
        id: runId,
        tenantId: row!.tenant_id,
        workflowId: row!.workflow_id,
        version: 1,
        status: "completed" as const,
        error: null,
        outputHash: null,
        createdAt: row!.created_at,
        finishedAt: row!.finished_at,
        tokens: 0,
        costUsd: null,
        events: 9,
      },
      executions: [],
      totals: {
        nodes: [
          {
            kind: "transform",
            succeeded: 1,
            failed: 0,
            retried: 0,
            timed: 1,
            durationMs: 1,
            buckets: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
          },
        ],
        models: [],
      },
    };
    await projectRun(env.DB, again);
    await projectRun(env.DB, again);
    const decided = await env.DB.prepare("SELECT * FROM approvals WHERE run_id = ?")
      .bind(runs.asked![0])
      .first<Record<string, string | number | null>>();
    const { run_id, tenant_id, workflow_id, node_id, parent_item, ...rest } = decided!;
    await projectApprovals(
      env.DB,
      { runId: String(run_id), tenantId: String(tenant_id), workflowId: String(workflow_id) },
      [
        {
          nodeId: String(node_id),
          attempt: Number(rest.attempt),
          iteration: rest.iteration === null ? null : Number(rest.iteration),
          parentRunId: null,
          parentNodeId: null,
          parentItem: null,
          status: "approved",
          message: String(rest.message),
          form: null,
          required: Number(rest.required),
          approvers: null,
          rejectIf: null,
          votes: String(rest.votes),
          createdAt: Number(rest.created_at),
          expiresAt: null,
          decidedAt: Number(rest.decided_at),
        },
      ],
    );
    expect(parent_item).toBeNull();
    let text = await (await metrics()).text();
    expect(sample(text, `aob_runs_total{workflow="${ids.observed}",status="completed"}`)).toBe(2);
    expect(sample(text, 'aob_node_duration_seconds_count{kind="transform"}')).toBe(3);
    expect(sample(text, 'aob_approval_decision_seconds_count{decision="approved"}')).toBe(1);

    // Deleting a run (as retention does) leaves the window's figures, not the counters.
    expect((await api("DELETE", `/api/runs/${runId}`)).status).toBe(200);
    const stats = (await api<Stats>("GET", `/api/stats?workflow=${ids.observed}`)).body;
    expect(stats.totals.completed).toBe(1);
    text = await (await metrics()).text();
    expect(sample(text, `aob_runs_total{workflow="${ids.observed}",status="completed"}`)).toBe(2);
  });

  it("sums every tenant for the operator's token only (scope=all)", async () => {
    const refused = await metrics(TEST_KEY, "?scope=all");
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      "AOB_METRICS_TOKEN",
    );
    expect((await metrics(OPERATOR_TOKEN)).status).toBe(401); // the token is not an API key
    expect((await metrics(OPERATOR_TOKEN, `?scope=all&token=${OPERATOR_TOKEN}`)).status).toBe(400);
    const res = await metrics(OPERATOR_TOKEN, "?scope=all");
    expect(res.status).toBe(200);
    const text = await res.text();
    // Tenant A's 5 completed runs (one since deleted: still counted) and tenant B's one.
    expect(sample(text, 'aob_runs_total{status="completed"}')).toBe(6);
    expect(sample(text, 'aob_runs_total{status="cancelled"}')).toBe(3);
    expect(text).not.toContain("workflow=");
    expect(sample(text, 'aob_node_attempts_total{kind="http",outcome="retried"}')).toBe(2);
    expect(sample(text, "aob_approvals_pending")).toBe(0);
  });
});
