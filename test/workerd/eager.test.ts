import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { DEFAULT_EAGER_JOBS, EagerBudget, eagerJobs } from "../../workers/runner/eager";
import { api, count, createWorkflow, type RunBody, startRun, stubOf, waitForRun } from "./helpers";

// Eager dispatch (ARCHITECTURE.md): the runner that reports a result runs the http jobs it makes
// runnable straight from the run's answer. vitest.workerd.config.ts sets AOB_EAGER_JOBS=3.
const fixture = inject("fixtureUrl");

interface Event {
  type: string;
  nodeId?: string;
  data?: Record<string, unknown>;
}

async function events(runId: string): Promise<Event[]> {
  return (await api<{ events: Event[] }>("GET", `/api/runs/${runId}/events`)).body.events;
}

/** start → h1 → … → hN → end, each a queued GET that echoes its own name. */
function chain(name: string, n: number, tag: string, first?: string) {
  const ids = Array.from({ length: n }, (_, i) => `h${i + 1}`);
  return {
    name,
    nodes: [
      { id: "start", type: "start" },
      ...ids.map((id, i) => ({
        id,
        type: "http",
        config: {
          url: i === 0 && first ? first : `${fixture}/echo/${tag}-${id}`,
          mode: "queued",
        },
        timeoutMs: 5000,
      })),
      { id: "end", type: "end", config: { output: `{{ nodes.h${n}.output.body.name }}` } },
    ],
    edges: ["start", ...ids, "end"].slice(1).map((to, i) => ({
      from: ["start", ...ids][i]!,
      to,
    })),
  };
}

const deliveries = (log: Event[]) =>
  log
    .filter((e) => e.type === "node_started" && e.nodeId?.startsWith("h"))
    .map((e) => `${e.nodeId}:${e.data?.delivery}`);

describe("eager dispatch", () => {
  it("runs a queued chain from the run's answers, going back to the queue when the budget is spent", async () => {
    const tag = `eager${Date.now()}`;
    const runId = await startRun(await createWorkflow(chain("eager", 6, tag)));
    const run = await waitForRun(runId);
    expect(run.status).toBe("completed");
    expect(run.output).toBe(`${tag}-h6`);
    // One queue message starts the chain; its consumer runs 3 more jobs from the answers, then
    // the next job goes through the queue and its consumer again takes what follows.
    expect(deliveries(await events(runId))).toEqual([
      "h1:queue",
      "h2:eager",
      "h3:eager",
      "h4:eager",
      "h5:queue",
      "h6:eager",
    ]);
    for (let i = 1; i <= 6; i++) expect(await count(`${tag}-h${i}`)).toBe(1);
  });

  it("hands a job back only to a runner that offers room, and a lost one comes back by its lease", async () => {
    const tag = `eagerlost${Date.now()}`;
    // h1 is slow, so its queue delivery is still in flight when this test reports it itself.
    const runId = await startRun(
      await createWorkflow(chain("eager-lost", 2, tag, `${fixture}/slow/1500/${tag}-h1`)),
    );
    const result = (output: unknown) => ({
      nodeId: "h1",
      attempt: 1,
      startedAt: Date.now(),
      finishedAt: Date.now(),
      outcome: { ok: true as const, port: null, output, outputHash: "x" },
    });
    const jobs = await stubOf(runId).complete([result({ body: { name: "by hand" } })], 5);
    expect(jobs).toEqual([
      {
        type: "execute",
        runId,
        tenantId: "t_a",
        nodeId: "h2",
        attempt: 1,
        idempotencyKey: `aob:${runId}:h2:a1`,
        step: {
          type: "http",
          config: {
            url: `${fixture}/echo/${tag}-h2`,
            method: "GET",
            failOnStatus: true,
            mode: "queued",
          },
        },
        timeoutMs: 5000,
      },
    ]);
    // The runner that took h2 never reports: the lease expires and the alarm sends h2 through
    // the queue, which runs it once.
    expect(await count(`${tag}-h2`)).toBe(0);
    await runInDurableObject(stubOf(runId), (_obj, state) => {
      state.storage.sql.exec("UPDATE timers SET at = 0 WHERE key = 'lease:h2:1'");
    });
    expect(await runDurableObjectAlarm(stubOf(runId))).toBe(true);
    const run = await waitForRun(runId);
    expect(run.status).toBe("completed");
    expect(run.output).toBe(`${tag}-h2`);
    expect(await count(`${tag}-h2`)).toBe(1);
    const log = await events(runId);
    expect(
      log
        .filter((e) => e.type === "node_queued" && e.nodeId === "h2")
        .map((e) => e.data?.redelivery),
    ).toEqual([undefined, 1]);
    expect(deliveries(log)).toEqual(["h1:undefined", "h2:queue"]);
  });

  it("answers a report without room with no jobs, and sends them through the queue", async () => {
    const tag = `eagernone${Date.now()}`;
    const runId = await startRun(
      await createWorkflow(chain("eager-none", 2, tag, `${fixture}/slow/1500/${tag}-h1`)),
    );
    const jobs = await stubOf(runId).complete([
      {
        nodeId: "h1",
        attempt: 1,
        startedAt: Date.now(),
        finishedAt: Date.now(),
        outcome: { ok: true, port: null, output: null, outputHash: "x" },
      },
    ]);
    expect(jobs).toEqual([]);
    const run: RunBody = await waitForRun(runId);
    expect(run.status).toBe("completed");
    expect(await count(`${tag}-h2`)).toBe(1);
    expect(deliveries(await events(runId))).toEqual(["h1:undefined", "h2:queue"]);
  });
});

describe("the eager budget", () => {
  it("reads AOB_EAGER_JOBS: empty is the default, 0 is off, anything else is refused", () => {
    expect(eagerJobs(undefined)).toBe(DEFAULT_EAGER_JOBS);
    expect(eagerJobs("")).toBe(16);
    expect(eagerJobs("0")).toBe(0);
    expect(eagerJobs("40")).toBe(40);
    for (const bad of ["-1", "2.5", "many"]) {
      expect(() => eagerJobs(bad)).toThrow(
        `AOB_EAGER_JOBS must be a whole number >= 0, not "${bad}"`,
      );
    }
  });

  it("reserves all its room for one report at a time and takes back what was not used", () => {
    const budget = new EagerBudget(5);
    expect(budget.take()).toBe(5);
    expect(budget.take()).toBe(0); // a concurrent report of another run gets none meanwhile
    budget.giveBack(4);
    expect(budget.take()).toBe(4);
  });
});
