import { env, SELF } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { ackFor, type ServerFrame } from "../../core/wire/frames";
import { runObject } from "../../durable-objects/run/rpc";
import { executeAgent } from "../../workers/runner/agent";
import { executeJob } from "../../workers/runner/execute";
import { d1Until, isOver, modelName, requestsFor, script, waitUntil } from "./agent-helpers";
import { api, createWorkflow, startRun } from "./helpers";
import { TEST_KEY } from "./setup";

const fixture = inject("fixtureUrl");

function chain(model: string, budget?: Record<string, number>) {
  return {
    name: `budget ${model}`,
    ...(budget ? { budget } : {}),
    nodes: [
      { id: "start", type: "start" },
      { id: "draft", type: "agent", config: { model, prompt: "draft" } },
      { id: "review", type: "agent", config: { model, prompt: "review {{ nodes.draft.output }}" } },
      { id: "done", type: "end", config: { output: "{{ nodes.review.output }}" } },
    ],
    edges: [
      { from: "start", to: "draft" },
      { from: "draft", to: "review" },
      { from: "review", to: "done" },
    ],
  };
}

describe("run budgets", () => {
  it("pauses at a generated approval when the budget is spent; approving raises it and the run continues", async () => {
    const model = modelName("budget-ok");
    await script(fixture, model, [
      { content: "a draft", usage: { prompt: 80, completion: 40 } },
      { content: "reviewed", usage: { prompt: 50, completion: 5 } },
    ]);
    const wf = await createWorkflow(chain(model, { tokens: 100 }));
    const runId = await startRun(wf);
    const held = await waitUntil(runId, (r) => r.status === "waiting" || isOver(r));
    expect(held.status).toBe("waiting");
    expect(held.nodes.find((n) => n.id === "review")).toMatchObject({ status: "waiting" });
    expect(held.usage).toMatchObject({
      promptTokens: 80,
      completionTokens: 40,
      budget: { tokens: 100 },
    });
    const request = held.approvals.find((a) => a.nodeId === "review")!;
    expect(request).toMatchObject({ status: "pending" });
    expect(request.message).toBe(
      "This run has reached its budget. Continue, spending up to 100 more tokens (spent 120 of 100)?",
    );
    const decided = await api<{ attempt: number; status: string; votes: { by: string }[] }>(
      "POST",
      `/api/runs/${runId}/approvals/review`,
      { decision: "approve" },
    );
    expect(decided.status).toBe(200);
    // The answer is the budget approval voted on (it used to be null: the vote starts the
    // node's next attempt, and the answer was read at that attempt).
    expect(decided.body).toMatchObject({
      attempt: 1,
      status: "approved",
      votes: [{ by: "first approver" }],
    });
    const run = await waitUntil(runId, isOver);
    expect(run.status).toBe("completed");
    expect(run.output).toBe("reviewed");
    expect(run.usage).toMatchObject({
      promptTokens: 130,
      completionTokens: 45,
      budget: { tokens: 200 },
    });
    expect(run.nodes.find((n) => n.id === "review")).toMatchObject({
      status: "succeeded",
      attempt: 2,
    });
    expect(await requestsFor(fixture, model)).toHaveLength(2);
  });

  it("ends the run when the spending is rejected", async () => {
    const model = modelName("budget-no");
    await script(fixture, model, [{ content: "a draft", usage: { prompt: 90, completion: 20 } }]);
    const wf = await createWorkflow(chain(model));
    // The budget comes with the start request this time.
    const started = await api<{ runId: string }>("POST", `/api/workflows/${wf}/runs`, {
      input: {},
      budget: { tokens: 100 },
    });
    const runId = started.body.runId;
    await waitUntil(runId, (r) => r.status === "waiting");
    await api("POST", `/api/runs/${runId}/approvals/review`, {
      decision: "reject",
      comment: "too dear",
    });
    const run = await waitUntil(runId, isOver);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ nodeId: "review", code: "budget_rejected" });
    expect(await requestsFor(fixture, model)).toHaveLength(1);
  });

  it("holds on a cost budget priced by the price table", async () => {
    // AOB_MODEL_PRICES (vitest.workerd.config.ts) prices "priced" at $1 / $0.5 cached / $2 per million.
    await script(fixture, "priced", [
      { content: "a draft", usage: { prompt: 100, completion: 10, cached: 40 } },
      { content: "reviewed", usage: { prompt: 10, completion: 10 } },
    ]);
    const wf = await createWorkflow(chain("priced", { costUsd: 0.0001 }));
    const runId = await startRun(wf);
    const held = await waitUntil(runId, (r) => r.status === "waiting" || isOver(r));
    expect(held.status).toBe("waiting");
    // (60 × 1 + 40 × 0.5 + 10 × 2) / 1e6 = 0.0001
    expect(held.usage.costUsd).toBeCloseTo(0.0001, 10);
    expect(held.nodes.find((n) => n.id === "draft")!.usage!.costUsd).toBeCloseTo(0.0001, 10);
    expect(held.approvals[0]!.message).toBe(
      "This run has reached its budget. Continue, spending up to $0.0001 more (spent $0.000100 of $0.0001)?",
    );
    await api("POST", `/api/runs/${runId}/approvals/review`, { decision: "approve" });
    const run = await waitUntil(runId, isOver);
    expect(run.status).toBe("completed");
    expect(run.usage.costUsd).toBeCloseTo(0.00013, 10);
    const row = await d1Until(
      () =>
        env.DB.prepare(`SELECT tokens, cost_usd, status FROM runs WHERE id = ?`)
          .bind(runId)
          .first<{ tokens: number; cost_usd: number; status: string }>(),
      (r) => r?.status === "completed",
    );
    expect(row?.tokens).toBe(130);
    expect(row?.cost_usd).toBeCloseTo(0.00013, 10);
  });

  it("stops an agent whose spending reaches the budget while it runs, holds it, and runs it again once approved", async () => {
    const model = modelName("budget-inflight");
    await script(fixture, model, [
      {
        toolCalls: [{ name: "get_workflow", arguments: {} }],
        usage: { prompt: 60, completion: 10 },
      },
      {
        toolCalls: [{ name: "get_workflow", arguments: {} }],
        usage: { prompt: 40, completion: 5 },
      },
      { content: "done", usage: { prompt: 20, completion: 5 } },
    ]);
    const wf = await createWorkflow({
      name: `in-flight budget ${model}`,
      budget: { tokens: 100 },
      nodes: [
        { id: "start", type: "start" },
        { id: "ask", type: "agent", config: { model, prompt: "look", tools: ["get_workflow"] } },
        { id: "done", type: "end", config: { output: "{{ nodes.ask.output }}" } },
      ],
      edges: [
        { from: "start", to: "ask" },
        { from: "ask", to: "done" },
      ],
    });
    const runId = await startRun(wf);
    const held = await waitUntil(runId, (r) => r.status === "waiting" || isOver(r));
    // 70 tokens, then a call asked for at most the 30 left, then 115 spent: no third call.
    const requests = await requestsFor(fixture, model);
    expect(requests.map((r) => r.max_tokens)).toEqual([100, 30]);
    expect(held.status).toBe("waiting");
    expect(held.nodes.find((n) => n.id === "ask")).toMatchObject({ status: "waiting", attempt: 1 });
    expect(held.usage).toMatchObject({ promptTokens: 100, completionTokens: 15 });
    expect(held.approvals.find((a) => a.nodeId === "ask")!.message).toBe(
      "This run has reached its budget. Continue, spending up to 100 more tokens (spent 115 of 100)?",
    );
    await api("POST", `/api/runs/${runId}/approvals/ask`, { decision: "approve" });
    const run = await waitUntil(runId, isOver);
    expect(run.status).toBe("completed");
    expect(run.output).toBe("done");
    expect(run.nodes.find((n) => n.id === "ask")).toMatchObject({
      status: "succeeded",
      attempt: 2,
    });
    expect(run.usage).toMatchObject({
      promptTokens: 120,
      completionTokens: 20,
      budget: { tokens: 200 },
    });
    // The new attempt may spend what the raised budget leaves: 200 - 115.
    expect((await requestsFor(fixture, model)).map((r) => r.max_tokens)).toEqual([100, 30, 85]);
  });

  it("refuses a malformed budget with its path", async () => {
    const wf = await createWorkflow(chain(modelName("bad")));
    const res = await api("POST", `/api/workflows/${wf}/runs`, { budget: { tokens: -1 } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { details: { errors: [{ at: "budget.tokens" }] } } });
  });
});

function single(model: string, config: Record<string, unknown> = {}) {
  return {
    name: `single ${model}`,
    nodes: [
      { id: "start", type: "start" },
      { id: "ask", type: "agent", config: { model, prompt: "answer", ...config } },
      { id: "done", type: "end", config: { output: "{{ nodes.ask.output }}" } },
    ],
    edges: [
      { from: "start", to: "ask" },
      { from: "ask", to: "done" },
    ],
  };
}

describe("the model API", () => {
  it("retries a 429 after the time its Retry-After asks for, then succeeds", async () => {
    const model = modelName("limited");
    await script(fixture, model, [
      { status: 429, headers: { "retry-after": "1" } },
      { content: "after the wait", usage: { prompt: 10, completion: 3 } },
    ]);
    const run = await waitUntil(await startRun(await createWorkflow(single(model))), isOver);
    expect(run.status).toBe("completed");
    expect(run.output).toBe("after the wait");
    const requests = await requestsFor(fixture, model);
    expect(requests).toHaveLength(2);
    expect(requests[1]!.receivedAt - requests[0]!.receivedAt).toBeGreaterThanOrEqual(1000);
  });

  it("fails a node whose API errors persist, as retryable, after the SDK's retries", async () => {
    const model = modelName("down");
    await script(
      fixture,
      model,
      Array.from({ length: 5 }, () => ({ status: 503, headers: { "retry-after-ms": "1" } })),
    );
    const run = await waitUntil(await startRun(await createWorkflow(single(model))), isOver);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ nodeId: "ask", code: "agent_api_error", retryable: true });
    expect(await requestsFor(fixture, model)).toHaveLength(5);
  });

  it("compares two runs' tokens node by node", async () => {
    const model = modelName("diff");
    await script(fixture, model, [
      { content: "one", usage: { prompt: 10, completion: 5 } },
      { content: "two", usage: { prompt: 30, completion: 7 } },
    ]);
    const wf = await createWorkflow(single(model));
    const a = await waitUntil(await startRun(wf), isOver);
    const b = await waitUntil(await startRun(wf), isOver);
    const diff = await api<{
      a: { tokens: number };
      b: { tokens: number };
      nodes: { id: string; a: { tokens: number }; b: { tokens: number }; sameOutput: boolean }[];
    }>("GET", `/api/runs/${a.id}/diff/${b.id}`);
    expect(diff.body.a.tokens).toBe(15);
    expect(diff.body.b.tokens).toBe(37);
    const ask = diff.body.nodes.find((n) => n.id === "ask")!;
    expect([ask.a.tokens, ask.b.tokens, ask.sameOutput]).toEqual([15, 37, false]);
  });

  it("names the missing setting when there is no API key, and does not retry", async () => {
    const outcome = await executeAgent(
      {
        type: "execute",
        runId: "no-key",
        tenantId: "t_a",
        nodeId: "ask",
        attempt: 1,
        step: { type: "agent", config: { prompt: "hi" } },
        timeoutMs: 10_000,
      },
      { ...env, OPENAI_API_KEY: "" },
      runObject(env, "no-key"),
    );
    expect(outcome.error).toMatchObject({ code: "agent_not_configured" });
    expect((outcome.error as Error).message).toContain("OPENAI_API_KEY");
    expect(outcome.usage.calls).toBe(0);
  });

  it("validates structured output against the schema and lets the model correct it", async () => {
    const model = modelName("schema");
    const outputSchema = {
      type: "object",
      properties: { priority: { enum: ["low", "high"] } },
      required: ["priority"],
    };
    await script(fixture, model, [
      { content: '{"priority":"urgent"}' },
      { content: '{"priority":"high"}' },
    ]);
    const run = await waitUntil(
      await startRun(await createWorkflow(single(model, { outputSchema }))),
      isOver,
    );
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ priority: "high" });
    const requests = await requestsFor(fixture, model);
    expect(requests[0]).toMatchObject({
      response_format: { type: "json_schema", json_schema: { schema: outputSchema } },
    });
    expect(requests[1]!.messages.at(-1)!.content).toContain("does not match the output schema");
  });
});

describe("prompt caching and defaults", () => {
  it("sends a byte-identical stable prefix on every run, so provider caching hits; the task differs", async () => {
    const model = modelName("cache");
    await script(fixture, model, [{ content: "a" }, { content: "b" }]);
    const wf = await createWorkflow(
      single(model, {
        prompt: "Summarise {{ input.text }}",
        system: "Answer in French. Keep {{ input.text }} as written.",
        tools: ["get_workflow", "http_request"],
      }),
    );
    await waitUntil(await startRun(wf, { text: "first" }), isOver);
    await waitUntil(await startRun(wf, { text: "second" }), isOver);
    const [one, two] = await requestsFor(fixture, model);
    expect(one!.messages[0]).toEqual(two!.messages[0]);
    // The node's own instructions are not a template: run data never enters the stable part.
    expect(one!.messages[0]!.content).toContain("Keep {{ input.text }} as written.");
    expect(one!.tools).toEqual(two!.tools);
    expect([one!.messages[1]!.content, two!.messages[1]!.content]).toEqual([
      "Summarise first",
      "Summarise second",
    ]);
  });

  it("uses AOB_DEFAULT_MODEL when the node names no model", async () => {
    await script(fixture, "stub-default", [{ content: "from the default model" }]);
    const wf = await createWorkflow({
      name: "default model",
      nodes: [
        { id: "start", type: "start" },
        { id: "ask", type: "agent", config: { prompt: "hello" } },
      ],
      edges: [{ from: "start", to: "ask" }],
    });
    const run = await waitUntil(await startRun(wf), isOver);
    expect(run.nodes.find((n) => n.id === "ask")).toMatchObject({
      status: "succeeded",
      output: "from the default model",
    });
    expect(await requestsFor(fixture, "stub-default")).toHaveLength(1);
  });
});

describe("semantic cache of agent answers", () => {
  it("reuses a deterministic agent's answer in a later run; another prompt misses", async () => {
    const model = modelName("cached");
    await script(fixture, model, [
      { content: "summary of a", usage: { prompt: 40, completion: 4 } },
      { content: "summary of b", usage: { prompt: 40, completion: 4 } },
    ]);
    const wf = await createWorkflow(
      single(model, { prompt: "Summarise {{ input.doc }}", temperature: 0, cache: true }),
    );
    const first = await waitUntil(await startRun(wf, { doc: "a" }), isOver);
    // The cache entry is written in the background, right after the answer is accepted.
    await d1Until(
      () =>
        env.DB.prepare(`SELECT count(*) AS n FROM semantic_cache WHERE run_id = ?`)
          .bind(first.id)
          .first<{ n: number }>(),
      (r) => (r?.n ?? 0) === 1,
    );
    const second = await waitUntil(await startRun(wf, { doc: "a" }), isOver);
    const third = await waitUntil(await startRun(wf, { doc: "b" }), isOver);
    expect([first.output, second.output, third.output]).toEqual([
      "summary of a",
      "summary of a",
      "summary of b",
    ]);
    // The model was asked twice: the repeat was answered from the cache, at no cost.
    expect(await requestsFor(fixture, model)).toHaveLength(2);
    expect(second.usage).toMatchObject({ calls: 0, promptTokens: 0 });
    const { body } = await api<{
      events: { type: string; nodeId?: string; data?: Record<string, unknown> }[];
    }>("GET", `/api/runs/${second.id}/events`);
    expect(
      body.events.find((e) => e.type === "node_succeeded" && e.nodeId === "ask")?.data,
    ).toMatchObject({
      cache: { hit: true, from: { runId: first.id, nodeId: "ask" } },
    });
  });

  it("never reuses an agent that may patch the graph or fetch", async () => {
    const model = modelName("uncached");
    await script(fixture, model, [{ content: "one" }, { content: "two" }]);
    const wf = await createWorkflow(
      single(model, { prompt: "go", temperature: 0, cache: true, tools: ["patch_workflow"] }),
    );
    await waitUntil(await startRun(wf), isOver);
    const again = await waitUntil(await startRun(wf), isOver);
    expect(again.output).toBe("two");
    expect(await requestsFor(fixture, model)).toHaveLength(2);
  });
});

describe("run limits on patches", () => {
  it("applies 20 patches, rejects the 21st naming patchesPerRun, and takes no proposal past 50", async () => {
    const wf = await createWorkflow({
      name: "many patches",
      nodes: [
        { id: "start", type: "start" },
        { id: "gate", type: "approval", config: { message: "wait" } },
      ],
      edges: [{ from: "start", to: "gate" }],
    });
    const runId = await startRun(wf);
    await waitUntil(runId, (r) => r.status === "waiting");
    const add = (i: number) =>
      api("POST", `/api/runs/${runId}/patches`, {
        ops: [
          {
            op: "add_node",
            node: { id: `n_${i}`, type: "transform", config: { expression: `${i}` } },
          },
          { op: "add_edge", edge: { from: "gate", to: `n_${i}`, on: "approved" } },
        ],
      });
    for (let i = 1; i <= 20; i++) expect((await add(i)).status).toBe(201);
    const over = await add(21);
    expect(over.status).toBe(422);
    expect(over.body).toMatchObject({
      error: {
        details: {
          errors: [
            {
              code: "limit_exceeded",
              message: "limit patchesPerRun is 20: no more patches can be applied to this run",
            },
          ],
        },
      },
    });
    for (let i = 22; i <= 50; i++) expect((await add(i)).status).toBe(422);
    const refused = await add(51);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      error: {
        code: "limit_exceeded",
        message: "limit proposalsPerRun is 50: this run takes no more patches",
      },
    });
    const { body } = await api<{ patches: unknown[] }>("GET", `/api/runs/${runId}/patches`);
    expect(body.patches).toHaveLength(50);
    await api("POST", `/api/runs/${runId}/approvals/gate`, { decision: "approve" });
    const run = await waitUntil(runId, isOver);
    expect(run.status).toBe("completed");
    expect(run.nodes.filter((n) => n.id.startsWith("n_") && n.status === "succeeded")).toHaveLength(
      20,
    );
  });
});

describe("agent tools and live output", () => {
  it("fetches through the SSRF guard: an allowed URL answers, an internal one is refused to the model", async () => {
    const model = modelName("http");
    const probe = `tool-${model}`;
    await script(fixture, model, [
      {
        toolCalls: [
          { name: "http_request", arguments: { url: `${fixture}/echo/${probe}?q=1` } },
          { name: "http_request", arguments: { url: "http://169.254.169.254/latest/meta-data" } },
        ],
      },
      { content: "looked" },
    ]);
    const run = await waitUntil(
      await startRun(await createWorkflow(single(model, { tools: ["http_request"] }))),
      isOver,
    );
    expect(run.status).toBe("completed");
    const replies = (await requestsFor(fixture, model))[1]!.messages.filter(
      (m) => m.role === "tool",
    );
    expect(JSON.parse(replies[0]!.content!)).toMatchObject({
      status: 200,
      body: { name: probe, query: { q: "1" } },
    });
    expect(JSON.parse(replies[1]!.content!)).toMatchObject({ error: { code: "ssrf_blocked" } });
  });

  it("streams the answer's token deltas to live clients before the node succeeds", async () => {
    const model = modelName("stream");
    const answer = "Streaming, one small piece at a time.";
    await script(fixture, model, [{ content: answer }]);
    const wf = await createWorkflow({
      name: "streamed",
      nodes: [
        { id: "start", type: "start" },
        { id: "gate", type: "approval", config: { message: "go" } },
        { id: "ask", type: "agent", config: { model, prompt: "talk" } },
      ],
      edges: [
        { from: "start", to: "gate" },
        { from: "gate", to: "ask", on: "approved" },
      ],
    });
    const runId = await startRun(wf);
    await waitUntil(runId, (r) => r.status === "waiting");
    const res = await SELF.fetch(`https://aob.test/api/runs/${runId}/ws`, {
      headers: { upgrade: "websocket", authorization: `Bearer ${TEST_KEY}` },
    });
    const ws = res.webSocket!;
    ws.accept();
    const frames: ServerFrame[] = [];
    const ended = new Promise<void>((resolve) => {
      ws.addEventListener("message", (m) => {
        const frame = JSON.parse(String(m.data)) as ServerFrame;
        frames.push(frame);
        const ack = ackFor(frame);
        if (ack) ws.send(JSON.stringify(ack));
        if (frame.type === "events" && frame.events.some((e) => e.type === "run_completed")) {
          resolve();
        }
      });
    });
    await api("POST", `/api/runs/${runId}/approvals/gate`, { decision: "approve" });
    await ended;
    ws.close(1000, "done");
    const deltas = frames.filter((f) => f.type === "delta");
    expect(deltas.map((d) => d.text).join("")).toBe(answer);
    expect(deltas.every((d) => d.nodeId === "ask" && d.attempt === 1)).toBe(true);
    const lastDelta = frames.lastIndexOf(deltas.at(-1)!);
    const succeeded = frames.findIndex(
      (f) =>
        f.type === "events" &&
        f.events.some((e) => e.type === "node_succeeded" && e.nodeId === "ask"),
    );
    expect(lastDelta).toBeLessThan(succeeded);
    // Deltas are live only: the stored log has none.
    const { body } = await api<{ events: { type: string }[] }>("GET", `/api/runs/${runId}/events`);
    expect(body.events.some((e) => e.type === "delta")).toBe(false);
  });
});

describe("an agent job whose run does not exist", () => {
  it("fails at once and for good (run_not_found), and asks the model nothing", async () => {
    const model = modelName("no-run");
    await script(fixture, model, [{ content: "unused", usage: { prompt: 1, completion: 1 } }]);
    const runId = `run_missing_${crypto.randomUUID().slice(0, 8)}`;
    const result = await executeJob(
      {
        type: "execute",
        runId,
        tenantId: "t_a",
        nodeId: "agent",
        attempt: 1,
        step: { type: "agent", config: { model, prompt: "hello" } },
        timeoutMs: 5000,
      },
      env,
    );
    expect(result.outcome).toMatchObject({
      ok: false,
      error: { code: "run_not_found", retryable: false },
    });
    expect(await requestsFor(fixture, model)).toEqual([]);
  });
});
