import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { compile } from "../../core/compile/compile";
import type { IR } from "../../core/compile/ir";
import { DEFAULT_RUN_LIMITS, materialise, Patch } from "../../core/patches";
import type { WorkflowDefinition } from "../../core/workflow/definition";
import { validateWorkflow } from "../../core/workflow/validate";
import { wasmLevels } from "../../workers/platform/optimiser";
import { isOver, modelName, requestsFor, script, waitUntil } from "./agent-helpers";
import { api, createWorkflow, startRun } from "./helpers";

const fixture = inject("fixtureUrl");

function agentWorkflow(model: string, extra: Record<string, unknown> = {}) {
  return {
    name: `agent ${model}`,
    nodes: [
      { id: "start", type: "start" },
      {
        id: "triage",
        type: "agent",
        config: {
          model,
          prompt: "Triage ticket {{ input.ticket }}",
          tools: ["get_workflow", "patch_workflow", "http_request"],
          ...extra,
        },
      },
      { id: "done", type: "end", config: { output: "{{ nodes.triage.output }}" } },
    ],
    edges: [
      { from: "start", to: "triage" },
      { from: "triage", to: "done" },
    ],
  };
}

async function countOf(name: string): Promise<number> {
  const res = await fetch(`${fixture}/counts/${name}`);
  return ((await res.json()) as { count: number }).count;
}

describe("agent nodes", () => {
  it("adds two nodes and an edge mid-run; they execute, with provenance, usage and the same IR as a fresh compile", async () => {
    const model = modelName("add");
    const probe = `probe-${model}`;
    const patch = {
      reason: "look the ticket up first",
      ops: [
        {
          op: "add_node",
          node: { id: "lookup", type: "http", config: { url: `${fixture}/echo/${probe}` } },
        },
        {
          op: "add_node",
          node: {
            id: "summary",
            type: "transform",
            config: { expression: "nodes.lookup.output.body.name" },
          },
        },
        { op: "add_edge", edge: { from: "triage", to: "lookup" } },
        { op: "add_edge", edge: { from: "lookup", to: "summary" } },
      ],
    };
    await script(fixture, model, [
      {
        toolCalls: [{ name: "patch_workflow", arguments: patch }],
        usage: { prompt: 900, completion: 60, cached: 0 },
      },
      { content: "triaged", usage: { prompt: 1000, completion: 10, cached: 896 } },
    ]);
    const wf = await createWorkflow(agentWorkflow(model));
    const runId = await startRun(wf, { ticket: 7 });
    const run = await waitUntil(runId, isOver);

    expect(run.status).toBe("completed");
    expect(run.output).toBe("triaged");
    const byId = Object.fromEntries(run.nodes.map((n) => [n.id, n]));
    expect(byId.lookup).toMatchObject({ status: "succeeded", addedBy: 1 });
    expect(byId.summary).toMatchObject({ status: "succeeded", addedBy: 1, output: probe });
    expect(await countOf(probe)).toBe(1);

    // The model saw the tool's answer before its second call.
    const requests = await requestsFor(fixture, model);
    expect(requests).toHaveLength(2);
    expect(requests[0]!.authorization).toBe("Bearer sk-test-stub");
    expect(requests[0]!.stream).toBe(true);
    const toolReply = requests[1]!.messages.at(-1)!;
    expect(toolReply.role).toBe("tool");
    expect(JSON.parse(toolReply.content!)).toEqual({ status: "applied", patchId: 1 });
    // Stable part first: the system message holds the workflow, the task comes last.
    expect(requests[0]!.messages[0]!.role).toBe("system");
    expect(requests[0]!.messages[0]!.content).toContain('"id":"triage"');
    expect(requests[0]!.messages.at(-1)).toEqual({ role: "user", content: "Triage ticket 7" });
    expect(requests[0]!.tools!.map((t) => t.function.name)).toEqual([
      "get_workflow",
      "patch_workflow",
      "http_request",
    ]);

    // Usage per node and per run, cached tokens included.
    expect(byId.triage!.usage).toMatchObject({
      promptTokens: 1900,
      completionTokens: 70,
      cachedTokens: 896,
      calls: 2,
    });
    expect(run.usage).toMatchObject({
      promptTokens: 1900,
      completionTokens: 70,
      cachedTokens: 896,
    });

    // Provenance in the run, the API and D1.
    const { body: list } = await api<{ patches: typeof run.patches }>(
      "GET",
      `/api/runs/${runId}/patches`,
    );
    expect(list.patches).toEqual([
      expect.objectContaining({
        id: 1,
        status: "applied",
        source: { kind: "agent", nodeId: "triage", attempt: 1 },
        ops: Patch.parse(patch).ops,
        reason: patch.reason,
      }),
    ]);
    const { body: events } = await api<{
      events: { type: string; nodeId?: string; data?: Record<string, unknown> }[];
    }>("GET", `/api/runs/${runId}/events`);
    const types = events.events.map((e) => e.type);
    expect(types.indexOf("patch_proposed")).toBeLessThan(types.indexOf("patch_applied"));
    expect(types.indexOf("patch_applied")).toBeLessThan(
      events.events.findIndex((e) => e.type === "node_succeeded" && e.nodeId === "lookup"),
    );
    const succeeded = events.events.find(
      (e) => e.type === "node_succeeded" && e.nodeId === "triage",
    );
    expect(succeeded?.data?.usage).toMatchObject({ model, promptTokens: 1900, cachedTokens: 896 });

    // The IR the run executes equals compiling base + accepted patches from scratch.
    const stub = env.RUNS.get(env.RUNS.idFromName(runId));
    const stored = await runInDurableObject(stub, (_obj, state) => {
      const row = state.storage.sql.exec<{ v: string }>(`SELECT v FROM meta WHERE k = 'ir'`).one();
      return JSON.parse(row.v) as IR;
    });
    const base = validateWorkflow(agentWorkflow(model));
    if (!base.ok) throw new Error("base does not validate");
    const fresh = materialise(
      base.definition as WorkflowDefinition,
      [Patch.parse(patch)],
      DEFAULT_RUN_LIMITS,
    );
    if (!fresh.ok) throw new Error(JSON.stringify(fresh.errors));
    expect(stored).toEqual(compile(fresh.definition, { levels: wasmLevels }));
  });
});
