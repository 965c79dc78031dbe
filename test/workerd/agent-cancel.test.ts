import { describe, expect, inject, it } from "vitest";
import { poll } from "../support/poll";
import { modelName, requestsFor, script } from "./agent-helpers";
import { api, createWorkflow, startRun } from "./helpers";

/*
 * Cancel reaches a running agent (issue 22, point 2): after a cancel the agent makes no further
 * model request, and one in flight is aborted (the stub on 127.0.0.1 sees the connection
 * close), so a cancelled run stops paying for its agents.
 */

const fixture = inject("fixtureUrl");

function agentFlow(model: string) {
  return {
    name: `cancel ${model}`,
    nodes: [
      { id: "start", type: "start" },
      {
        id: "agent",
        type: "agent",
        config: { model, prompt: "Look it up", tools: ["http_request"], maxTurns: 4 },
      },
      { id: "done", type: "end", config: { output: "{{ nodes.agent.output }}" } },
    ],
    edges: [
      { from: "start", to: "agent" },
      { from: "agent", to: "done" },
    ],
  };
}

async function cancel(runId: string): Promise<void> {
  expect((await api("POST", `/api/runs/${runId}/cancel`)).status).toBe(200);
}

describe("cancelling a run with a running agent", () => {
  it("aborts the model request in flight, and makes no other", async () => {
    const model = modelName("cancel-inflight");
    await script(fixture, model, [{ content: "late", holdMs: 20_000 }, { content: "again" }]);
    const runId = await startRun(await createWorkflow(agentFlow(model)));
    await poll(
      "the model request",
      () => requestsFor(fixture, model),
      (r) => r.length === 1,
    );
    await cancel(runId);
    const requests = await poll(
      "the request in flight to be aborted",
      () => requestsFor(fixture, model) as Promise<{ aborted?: boolean }[]>,
      (r) => r[0]?.aborted === true,
    );
    expect(requests).toHaveLength(1);
  });

  it("stops at its next model call when the cancel comes during a tool call", async () => {
    const model = modelName("cancel-tool");
    const hold = `cancel-tool-${model}`;
    await script(fixture, model, [
      {
        toolCalls: [
          {
            name: "http_request",
            arguments: { method: "GET", url: `${fixture}/hold/1500/${hold}` },
          },
        ],
      },
      { content: "should not be asked" },
    ]);
    const runId = await startRun(await createWorkflow(agentFlow(model)));
    await poll(
      "the tool's request",
      async () => (await (await fetch(`${fixture}/held/${hold}`)).json()) as { open: number },
      (h) => h.open === 1,
    );
    await cancel(runId);
    // The tool's request is aborted (the fixture's hold still counts it open until its timer);
    // the agent stops without another model call.
    await poll(
      "the tool's request to end",
      async () =>
        (await (await fetch(`${fixture}/held/${hold}`)).json()) as { open: number; total: number },
      (h) => h.open === 0 && h.total === 1,
    );
    const requests = await requestsFor(fixture, model);
    expect(requests).toHaveLength(1);
    const run = await api<{ status: string }>("GET", `/api/runs/${runId}`);
    expect(run.body.status).toBe("cancelled");
  });
});
