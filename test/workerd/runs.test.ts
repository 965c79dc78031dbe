import { describe, expect, inject, it } from "vitest";
import countdown from "../../samples/countdown-loop.json";
import hello from "../../samples/hello.json";
import { api, count, createWorkflow, startRun, waitForRun } from "./helpers";

const fixture = inject("fixtureUrl");

describe("runs through the API", () => {
  it("runs the hello sample inline to completion with its output", async () => {
    const id = await createWorkflow(hello);
    const runId = await startRun(id, { name: "Ada" });
    const run = await waitForRun(runId);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ greeting: "Hello, Ada!", styled: "hello, ada!" });
    const statuses = Object.fromEntries(run.nodes.map((n) => [n.id, n.status]));
    expect(statuses).toMatchObject({
      shout: "skipped",
      whisper: "succeeded",
      merge: "succeeded",
      done: "succeeded",
    });
  });

  it("loops a bounded number of times", async () => {
    const id = await createWorkflow(countdown);
    const run = await waitForRun(await startRun(id, { from: 4 }));
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ finishedAt: 0 });
    expect(run.nodes.find((n) => n.id === "tick")?.attempt).toBe(5);
  });

  it("runs queued http nodes against a real server exactly once each", async () => {
    const tag = `q${Date.now()}`;
    const id = await createWorkflow({
      name: "http fan-out",
      nodes: [
        { id: "start", type: "start" },
        { id: "a", type: "http", config: { url: `${fixture}/echo/${tag}a?x={{ input.x }}` } },
        {
          id: "b",
          type: "http",
          config: { method: "POST", url: `${fixture}/echo/${tag}b`, body: { n: "{{ input.x }}" } },
        },
        { id: "both", type: "join" },
        {
          id: "done",
          type: "end",
          config: {
            output: {
              a: "{{ nodes.a.output.body.query.x }}",
              b: "{{ nodes.b.output.body.body.n }}",
            },
          },
        },
      ],
      edges: [
        { from: "start", to: "a" },
        { from: "start", to: "b" },
        { from: "a", to: "both" },
        { from: "b", to: "both" },
        { from: "both", to: "done" },
      ],
    });
    const run = await waitForRun(await startRun(id, { x: 7 }));
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ a: "7", b: 7 });
    expect(await count(`${tag}a`)).toBe(1);
    expect(await count(`${tag}b`)).toBe(1);
  });

  it("refuses an invalid workflow with the JSON path of each error and stores nothing", async () => {
    const before = await api<{ workflows: unknown[] }>("GET", "/api/workflows");
    const res = await api<{
      error: { code: string; details: { errors: { at: string; code: string }[] } };
    }>("POST", "/api/workflows", {
      name: "broken",
      nodes: [
        { id: "start", type: "start" },
        { id: "t", type: "transform", config: { expression: "1 +" } },
      ],
      edges: [
        { from: "start", to: "t" },
        { from: "t", to: "nowhere" },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    const at = res.body.error.details.errors.map((e) => e.at);
    expect(at).toEqual(expect.arrayContaining(["nodes[1].config.expression", "edges[1].to"]));
    const after = await api<{ workflows: unknown[] }>("GET", "/api/workflows");
    expect(after.body.workflows.length).toBe(before.body.workflows.length);
  });

  it("refuses a start whose input breaks the start node's inputSchema, with each path, and starts nothing", async () => {
    const id = await createWorkflow({
      name: "typed input",
      nodes: [
        {
          id: "start",
          type: "start",
          config: {
            inputSchema: {
              type: "object",
              required: ["email"],
              properties: { email: { type: "string" }, n: { type: "integer", maximum: 3 } },
            },
          },
        },
        { id: "done", type: "end", config: { output: "{{ input.email }}" } },
      ],
      edges: [{ from: "start", to: "done" }],
    });
    type Refusal = { error: { code: string; details: { errors: { at: string }[] } } };
    const res = await api<Refusal>("POST", `/api/workflows/${id}/runs`, { input: { n: 7 } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details.errors.map((e) => e.at).sort()).toEqual(["input", "input.n"]);
    const runs = await api<{ runs: unknown[] }>("GET", `/api/runs?workflowId=${id}`);
    expect(runs.body.runs).toEqual([]);
    const run = await waitForRun(await startRun(id, { email: "ada@example.com", n: 2 }));
    expect(run.output).toBe("ada@example.com");
  });
});
