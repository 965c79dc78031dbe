import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import type { IR } from "../../core/compile/ir";
import { DEFAULT_RUN_LIMITS, materialise, Patch } from "../../core/patches";
import type { WorkflowDefinition } from "../../core/workflow/definition";
import { validateWorkflow } from "../../core/workflow/validate";
import { compileWorkflow } from "../../platform/optimiser";
import { d1Until, isOver, modelName, requestsFor, script, waitUntil } from "./agent-helpers";
import { api, createWorkflow, startRun } from "./helpers";
import { OTHER_KEY, SECOND_KEY } from "./setup";

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
    // What each I/O node was sent, templates resolved.
    expect(byId.triage).toMatchObject({ input: { prompt: "Triage ticket 7", model } });
    expect(byId.lookup).toMatchObject({ input: { url: `${fixture}/echo/${probe}` } });
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
    expect(stored).toEqual(compileWorkflow(fresh.definition));
    // The recompile after the patch ran the WebAssembly optimiser, like every compile.
    expect(stored.optimiser?.kernels).toBe("wasm");
    expect(stored.nodes.map((n) => n.id)).toContain("summary");
  });
});

describe("patch validation", () => {
  it("refuses an invalid patch, sends the errors back to the model, and applies the corrected one", async () => {
    const model = modelName("fix");
    const good = {
      ops: [
        {
          op: "add_node",
          node: { id: "note", type: "transform", config: { expression: "'noted'" } },
        },
        { op: "add_edge", edge: { from: "triage", to: "note" } },
      ],
    };
    await script(fixture, model, [
      // Layer 1: the shape is wrong (no type): refused by the tool, the run never sees it.
      {
        toolCalls: [
          {
            name: "patch_workflow",
            arguments: { ops: [{ op: "add_node", node: { id: "note" } }] },
          },
        ],
      },
      // Layer 2: well-formed, but the edge leads to a node that does not exist.
      {
        toolCalls: [
          {
            name: "patch_workflow",
            arguments: {
              ops: [good.ops[0], { op: "add_edge", edge: { from: "triage", to: "ghost" } }],
            },
          },
        ],
      },
      { toolCalls: [{ name: "patch_workflow", arguments: good }] },
      { content: "ok" },
    ]);
    const wf = await createWorkflow(agentWorkflow(model));
    const run = await waitUntil(await startRun(wf, { ticket: 1 }), isOver);
    expect(run.status).toBe("completed");
    expect(run.nodes.find((n) => n.id === "note")).toMatchObject({
      status: "succeeded",
      output: "noted",
    });

    const requests = await requestsFor(fixture, model);
    expect(requests).toHaveLength(4);
    const first = JSON.parse(requests[1]!.messages.at(-1)!.content!);
    expect(first.status).toBe("rejected");
    expect(first.problems).toEqual([expect.stringMatching(/^ops\[0\]\.node\.type: /)]);
    expect(first.example.ops[0].op).toBe("add_node");
    const second = JSON.parse(requests[2]!.messages.at(-1)!.content!);
    expect(second.problems).toEqual(['ops[1].edge.to: no node "ghost" (add it first)']);
    expect(JSON.parse(requests[3]!.messages.at(-1)!.content!)).toEqual({
      status: "applied",
      patchId: 2,
    });

    // Only what reached the run is recorded: the graph refusal and the applied patch.
    expect(run.patches.map((p) => p.status)).toEqual(["rejected", "applied"]);
    expect(run.patches[0]!.problems).toEqual([
      {
        path: ["ops", 1, "edge", "to"],
        at: "ops[1].edge.to",
        code: "unknown_node",
        message: 'no node "ghost" (add it first)',
      },
    ]);
    const rows = await d1Until(
      () =>
        env.DB.prepare(`SELECT id, status, problems FROM run_patches WHERE run_id = ? ORDER BY id`)
          .bind(run.id)
          .all<{ id: number; status: string; problems: string | null }>(),
      (r) => r.results.length === 2 && r.results.every((x) => x.status !== "proposed"),
    );
    expect(rows.results.map((r) => [r.id, r.status])).toEqual([
      [1, "rejected"],
      [2, "applied"],
    ]);
  });

  it("closes patch_workflow after maxPatchAttempts refusals", async () => {
    const model = modelName("attempts");
    const valid = {
      ops: [
        { op: "add_node", node: { id: "late", type: "transform", config: { expression: "1" } } },
        { op: "add_edge", edge: { from: "triage", to: "late" } },
      ],
    };
    await script(fixture, model, [
      { toolCalls: [{ name: "patch_workflow", arguments: { ops: [] } }] },
      { toolCalls: [{ name: "patch_workflow", arguments: valid }] },
      { content: "stopped" },
    ]);
    const wf = await createWorkflow(agentWorkflow(model, { maxPatchAttempts: 1 }));
    const run = await waitUntil(await startRun(wf, { ticket: 4 }), isOver);
    expect(run.status).toBe("completed");
    expect(run.patches).toEqual([]);
    expect(run.nodes.some((n) => n.id === "late")).toBe(false);
    const replies = (await requestsFor(fixture, model)).map((r) => r.messages.at(-1)!);
    expect(JSON.parse(replies[1]!.content!).status).toBe("rejected");
    expect(JSON.parse(replies[2]!.content!)).toEqual({
      status: "unavailable",
      message:
        "patch_workflow is closed for this step: 1 patches were refused (maxPatchAttempts 1)",
    });
  });

  it("refuses a sixth agent node, naming the limit, and the run goes on", async () => {
    const model = modelName("six");
    const agents = [1, 2, 3, 4, 5].map((i) => ({
      op: "add_node",
      node: { id: `helper_${i}`, type: "agent", config: { prompt: "help", model } },
    }));
    const edges = [1, 2, 3, 4, 5].map((i) => ({
      op: "add_edge",
      edge: { from: "triage", to: `helper_${i}` },
    }));
    await script(fixture, model, [
      { toolCalls: [{ name: "patch_workflow", arguments: { ops: [...agents, ...edges] } }] },
      { content: "alone then" },
    ]);
    const wf = await createWorkflow(agentWorkflow(model));
    const run = await waitUntil(await startRun(wf, { ticket: 2 }), isOver);
    expect(run.status).toBe("completed");
    expect(run.output).toBe("alone then");
    expect(run.nodes.map((n) => n.id)).toEqual(["start", "triage", "done"]);
    expect(run.patches[0]).toMatchObject({
      status: "rejected",
      problems: [
        {
          code: "limit_exceeded",
          message: "limit agentsPerRun is 5: the run would have 6 agent nodes",
        },
      ],
    });
    const reply = JSON.parse((await requestsFor(fixture, model))[1]!.messages.at(-1)!.content!);
    expect(reply.problems).toEqual([
      "nodes: limit agentsPerRun is 5: the run would have 6 agent nodes",
    ]);
  });

  it("refuses an agent's patch that references a secret, in template or marker form", async () => {
    const model = modelName("leak");
    const leak = (url: string) => ({
      name: "patch_workflow",
      arguments: {
        ops: [
          { op: "add_node", node: { id: "exfil", type: "http", config: { url } } },
          { op: "add_edge", edge: { from: "triage", to: "exfil" } },
        ],
      },
    });
    await script(fixture, model, [
      { toolCalls: [leak(`${fixture}/echo/leak?k={{secrets.API_TOKEN}}`)] },
      { toolCalls: [leak(`${fixture}/echo/leak?k=\u27e6secret:API_TOKEN\u27e7`)] },
      { content: "gave up" },
    ]);
    const run = await waitUntil(
      await startRun(await createWorkflow(agentWorkflow(model)), { ticket: 9 }),
      isOver,
    );
    expect(run.status).toBe("completed");
    expect(run.nodes.some((n) => n.id === "exfil")).toBe(false);
    expect(run.patches.map((p) => p.problems?.[0])).toEqual([
      expect.objectContaining({ at: "ops[0].node.config.url", code: "secret_reference" }),
      expect.objectContaining({ at: "ops[0].node.config.url", code: "secret_reference" }),
    ]);
  });

  it("skips a node of an unknown type added by a patch, and the run finishes", async () => {
    const model = modelName("unknown");
    await script(fixture, model, [
      {
        toolCalls: [
          {
            name: "patch_workflow",
            arguments: {
              ops: [
                { op: "add_node", node: { id: "mystery", type: "quantum_annealer", config: {} } },
                { op: "add_edge", edge: { from: "triage", to: "mystery" } },
                {
                  op: "add_node",
                  node: { id: "after", type: "transform", config: { expression: "'reached'" } },
                },
                { op: "add_edge", edge: { from: "mystery", to: "after" } },
              ],
            },
          },
        ],
      },
      { content: "fine" },
    ]);
    const wf = await createWorkflow(agentWorkflow(model));
    const runId = await startRun(wf, { ticket: 3 });
    const run = await waitUntil(runId, isOver);
    expect(run.status).toBe("completed");
    expect(run.nodes.find((n) => n.id === "mystery")).toMatchObject({
      status: "skipped",
      output: null,
    });
    expect(run.nodes.find((n) => n.id === "after")).toMatchObject({
      status: "succeeded",
      output: "reached",
    });
    const { body } = await api<{
      events: { type: string; nodeId?: string; data?: Record<string, unknown> }[];
    }>("GET", `/api/runs/${runId}/events`);
    expect(
      body.events.find((e) => e.type === "node_skipped" && e.nodeId === "mystery")?.data,
    ).toMatchObject({
      reason: "unknown_type",
      warning: expect.stringContaining("quantum_annealer"),
    });
  });
});

describe("patches proposed by a person", () => {
  const gated = {
    name: "gated",
    nodes: [
      { id: "start", type: "start" },
      { id: "first", type: "transform", config: { expression: "1" } },
      { id: "gate", type: "approval", config: { message: "go?" } },
      { id: "done", type: "end", config: { output: "{{ nodes.first.output }}" } },
    ],
    edges: [
      { from: "start", to: "first" },
      { from: "start", to: "gate" },
      { from: "first", to: "gate" },
      { from: "gate", to: "done", on: "approved" },
    ],
  };

  it("refuses patches that touch started nodes or fired edges, applies a valid one, and the run uses it", async () => {
    const wf = await createWorkflow(gated);
    const runId = await startRun(wf);
    await waitUntil(runId, (r) => r.status === "waiting");

    const started = await api("POST", `/api/runs/${runId}/patches`, {
      ops: [{ op: "update_node", id: "first", config: { expression: "2" } }],
    });
    expect(started.status).toBe(422);
    expect(started.body).toMatchObject({
      error: {
        code: "patch_rejected",
        details: {
          errors: [
            {
              at: "ops[0].id",
              code: "node_started",
              message:
                'node "first" has already started (it is succeeded); only nodes that have not started can be updated',
            },
          ],
        },
      },
    });
    const waiting = await api("POST", `/api/runs/${runId}/patches`, {
      ops: [{ op: "update_node", id: "gate", config: { message: "really?" } }],
    });
    expect(waiting.body).toMatchObject({
      error: { details: { errors: [{ code: "node_started" }] } },
    });
    const fired = await api("POST", `/api/runs/${runId}/patches`, {
      ops: [{ op: "remove_edge", from: "start", to: "gate" }],
    });
    expect(fired.body).toMatchObject({
      error: { details: { errors: [{ code: "edge_resolved" }] } },
    });

    // A malformed patch is a 400 with paths and is not recorded.
    const malformed = await api("POST", `/api/runs/${runId}/patches`, {
      ops: [{ op: "add_node" }],
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: { code: "validation_failed" } });

    const applied = await api<{ id: number; status: string; source: Record<string, unknown> }>(
      "POST",
      `/api/runs/${runId}/patches`,
      {
        reason: "double it before the end",
        ops: [
          {
            op: "add_node",
            node: {
              id: "twice",
              type: "transform",
              config: { expression: "nodes.first.output * 2" },
            },
          },
          { op: "add_edge", edge: { from: "gate", to: "twice", on: "approved" } },
          { op: "update_node", id: "done", config: { output: "{{ nodes.twice.output }}" } },
          { op: "add_edge", edge: { from: "twice", to: "done" } },
        ],
      },
    );
    expect(applied.status).toBe(201);
    expect(applied.body).toMatchObject({
      id: 4,
      status: "applied",
      source: { kind: "person", by: "first approver", keyId: "k_a" },
    });

    expect(
      (await api("POST", `/api/runs/${runId}/approvals/gate`, { decision: "approve" })).status,
    ).toBe(200);
    const run = await waitUntil(runId, isOver);
    expect(run.status).toBe("completed");
    expect(run.output).toBe(2);
    expect(run.patches.map((p) => p.status)).toEqual([
      "rejected",
      "rejected",
      "rejected",
      "applied",
    ]);

    const late = await api("POST", `/api/runs/${runId}/patches`, {
      ops: [
        { op: "add_node", node: { id: "late", type: "transform", config: { expression: "1" } } },
      ],
    });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error: { code: "run_finished" } });
  });

  it("keeps patches within the tenant and the run scope", async () => {
    const wf = await createWorkflow(gated);
    const runId = await startRun(wf);
    await waitUntil(runId, (r) => r.status === "waiting");
    const body = {
      ops: [{ op: "add_node", node: { id: "x", type: "transform", config: { expression: "1" } } }],
    };
    expect((await api("GET", `/api/runs/${runId}/patches`, undefined, OTHER_KEY)).status).toBe(404);
    expect((await api("POST", `/api/runs/${runId}/patches`, body, OTHER_KEY)).status).toBe(404);
    expect((await api("POST", `/api/runs/${runId}/patches`, body, SECOND_KEY)).status).toBe(403);
    expect(
      (await api<{ patches: unknown[] }>("GET", `/api/runs/${runId}/patches`)).body.patches,
    ).toEqual([]);
    await api("POST", `/api/runs/${runId}/cancel`);
  });
});
