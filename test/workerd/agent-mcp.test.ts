import { env } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { poll } from "../support/poll";
import { d1Until, isOver, modelName, requestsFor, script, waitUntil } from "./agent-helpers";
import { api, createWorkflow, startRun } from "./helpers";

/*
 * Agents use the tools of a tenant's MCP servers (issue 22, point 1). The server is real: the
 * official SDK's McpServer over Streamable HTTP on 127.0.0.1 (test/support/mcp-fixture.ts),
 * reached through the SSRF guard, whose only allowance for loopback is the fixture's host:port
 * in AOB_HTTP_ALLOWLIST (vitest.workerd.config.ts). The model is the scripted
 * chat-completions stub.
 */

const fixture = inject("fixtureUrl");

interface McpCall {
  tool: string;
  args: unknown;
  authorization: string | null;
  open: boolean;
  aborted?: boolean;
}

interface StoredEvent {
  seq: number;
  type: string;
  nodeId?: string;
  data?: Record<string, unknown>;
}

async function mcpCalls(endpoint: string): Promise<McpCall[]> {
  const res = await fetch(`${fixture}/mcp-calls/${endpoint}`);
  return ((await res.json()) as { calls: McpCall[] }).calls;
}

async function toolEvents(runId: string): Promise<StoredEvent[]> {
  const res = await api<{ events: StoredEvent[] }>("GET", `/api/runs/${runId}/events?nodeId=agent`);
  return res.body.events.filter((e) => e.type === "tool_called");
}

/** Registers server `name` at the fixture's MCP endpoint `endpoint`. */
async function register(name: string, endpoint: string, extra: Record<string, unknown> = {}) {
  const res = await api("PUT", `/api/mcp-servers/${name}`, {
    url: `${fixture}/mcp/${endpoint}`,
    allowedTools: ["search_issues", "fail", "hold"],
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

function agentFlow(model: string, agent: Record<string, unknown>) {
  return {
    name: `mcp ${model}`,
    nodes: [
      { id: "start", type: "start" },
      { id: "agent", type: "agent", config: { model, prompt: "Triage the printer", ...agent } },
      { id: "done", type: "end", config: { output: "{{ nodes.agent.output }}" } },
    ],
    edges: [
      { from: "start", to: "agent" },
      { from: "agent", to: "done" },
    ],
  };
}

/** The tool messages the model read back, by call order. */
const toolMessages = (request: { messages: { role: string; content: string | null }[] }) =>
  request.messages.filter((m) => m.role === "tool").map((m) => m.content ?? "");

describe("agents with MCP tools", () => {
  it("offers the allowed tools, calls one with the secret header, and the model reads its result; a tool not allowed is not offered and a call to it is refused", async () => {
    const model = modelName("mcp-call");
    const endpoint = `tracker-${model}`;
    const token = `mcp-token-${crypto.randomUUID()}`;
    expect(
      (await api("PUT", "/api/secrets/MCP_TOKEN", { value: token, allowedHosts: ["127.0.0.1"] }))
        .status,
    ).toBe(200);
    await register("tracker", endpoint, {
      headers: { authorization: "Bearer {{ secrets.MCP_TOKEN }}" },
    });
    await script(fixture, model, [
      {
        toolCalls: [
          { name: "tracker__search_issues", arguments: { query: "printer" } },
          { name: "tracker__delete_repo", arguments: { repo: "aob" } },
        ],
      },
      { content: "Printer issue: #12 printer on fire" },
    ]);
    const runId = await startRun(
      await createWorkflow(agentFlow(model, { mcp: [{ server: "tracker" }] })),
    );
    const run = await waitUntil(runId, isOver);

    expect(run.status).toBe("completed");
    expect(run.output).toBe("Printer issue: #12 printer on fire");
    const requests = await requestsFor(fixture, model);
    expect(requests).toHaveLength(2);
    expect(requests[0]!.tools!.map((t) => t.function.name)).toEqual([
      "tracker__fail",
      "tracker__hold",
      "tracker__search_issues",
    ]);
    const [result, refused] = toolMessages(requests[1]!);
    expect(result).toBe('2 issues match "printer": #12 printer on fire; #34 coffee machine leaks');
    expect(JSON.parse(refused!).error).toMatch(/^tool "tracker__delete_repo" is not offered/);

    // The server was asked once, for the allowed tool, with the secret it was bound to.
    expect(await mcpCalls(endpoint)).toEqual([
      {
        tool: "search_issues",
        args: { query: "printer" },
        authorization: `Bearer ${token}`,
        open: false,
      },
    ]);
    const events = await toolEvents(runId);
    expect(events.map((e) => e.data)).toEqual([
      expect.objectContaining({
        attempt: 1,
        turn: 0,
        name: "tracker__search_issues",
        source: "mcp",
        server: "tracker",
        tool: "search_issues",
        arguments: { query: "printer" },
        ok: true,
        result,
      }),
      expect.objectContaining({
        name: "tracker__delete_repo",
        source: "refused",
        arguments: { repo: "aob" },
        ok: false,
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it("lets no agent-written node use a server whose headers carry a secret", async () => {
    const model = modelName("mcp-patched");
    const added = modelName("mcp-added");
    await api("PUT", "/api/secrets/MCP_PATCHED", {
      value: "never-sent",
      allowedHosts: ["127.0.0.1"],
    });
    await register("guarded", `guarded-${model}`, {
      headers: { authorization: "Bearer {{ secrets.MCP_PATCHED }}" },
    });
    const patch = {
      ops: [
        {
          op: "add_node",
          node: {
            id: "helper",
            type: "agent",
            config: { model: added, prompt: "use the tracker", mcp: [{ server: "guarded" }] },
          },
        },
        { op: "add_edge", edge: { from: "agent", to: "helper" } },
      ],
    };
    await script(fixture, model, [
      { toolCalls: [{ name: "patch_workflow", arguments: patch }] },
      { content: "delegated" },
    ]);
    await script(fixture, added, [{ content: "never asked" }]);
    const runId = await startRun(
      await createWorkflow(agentFlow(model, { tools: ["patch_workflow"] })),
    );
    const run = await waitUntil(runId, isOver);
    const helper = run.nodes.find((n) => n.id === "helper")!;
    expect(helper.error?.code).toBe("secret_not_declared");
    expect(helper.error?.message).toContain('MCP server "guarded"');
    expect(await requestsFor(fixture, added)).toHaveLength(0);
    expect(await mcpCalls(`guarded-${model}`)).toEqual([]);
  });

  it("sends a tool's error back to the model, which goes on", async () => {
    const model = modelName("mcp-error");
    await register("failing", `failing-${model}`);
    await script(fixture, model, [
      { toolCalls: [{ name: "failing__fail", arguments: { reason: "the tracker is locked" } }] },
      { content: "The tracker refused; try later." },
    ]);
    const runId = await startRun(
      await createWorkflow(agentFlow(model, { mcp: [{ server: "failing", tools: ["fail"] }] })),
    );
    const run = await waitUntil(runId, isOver);

    expect(run.status).toBe("completed");
    const requests = await requestsFor(fixture, model);
    expect(requests[0]!.tools!.map((t) => t.function.name)).toEqual(["failing__fail"]);
    expect(JSON.parse(toolMessages(requests[1]!)[0]!)).toEqual({
      error: "the tracker refused: the tracker is locked",
    });
    const [event] = await toolEvents(runId);
    expect(event?.data).toMatchObject({ source: "mcp", tool: "fail", ok: false });
  });

  it("refuses an internal server URL when it is saved, and again when an agent connects", async () => {
    for (const url of ["http://169.254.169.254/mcp", "http://10.0.0.7/mcp"]) {
      const res = await api<{ error: { code: string; details: { errors: { at: string }[] } } }>(
        "PUT",
        "/api/mcp-servers/inward",
        { url },
      );
      expect(res.status).toBe(400);
      expect(res.body.error.details.errors[0]).toMatchObject({ at: "url", code: "ssrf_blocked" });
    }
    expect((await api("GET", "/api/mcp-servers/inward")).status).toBe(404);
    const model = modelName("mcp-ssrf");
    const unknown = await api<{ error: { details: { errors: { at: string; code: string }[] } } }>(
      "POST",
      "/api/workflows",
      agentFlow(model, { mcp: [{ server: "inward" }] }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.errors).toEqual([
      expect.objectContaining({ at: "nodes[1].config.mcp[0].server", code: "unknown_mcp_server" }),
    ]);

    // A registration written before the guard refused its address (or with another allow-list)
    // is refused when an agent connects: the node fails and the model is never asked.
    await env.DB.prepare(
      "INSERT INTO mcp_servers (tenant_id, name, url, headers, allowed_tools, effects, created_at, updated_at) VALUES ('t_a', 'inward', 'http://10.0.0.7/mcp', '{}', NULL, '[]', 0, 0)",
    ).run();
    await script(fixture, model, [{ content: "never asked" }]);
    const runId = await startRun(
      await createWorkflow(agentFlow(model, { mcp: [{ server: "inward" }] })),
    );
    const run = await waitUntil(runId, isOver);
    expect(run.status).toBe("failed");
    const agent = run.nodes.find((n) => n.id === "agent")!;
    expect(agent.error?.code).toBe("ssrf_blocked");
    expect(agent.error?.message).toContain('MCP server "inward"');
    expect(await requestsFor(fixture, model)).toHaveLength(0);
  });

  it("aborts an MCP tool call in flight when the run is cancelled, and asks the model nothing more", async () => {
    const model = modelName("mcp-cancel");
    const endpoint = `slow-${model}`;
    await register("slow", endpoint);
    await script(fixture, model, [
      { toolCalls: [{ name: "slow__hold", arguments: { ms: 10_000 } }] },
      { content: "should not be asked" },
    ]);
    const runId = await startRun(
      await createWorkflow(agentFlow(model, { mcp: [{ server: "slow" }] })),
    );
    await poll(
      "the tool call to be open",
      () => mcpCalls(endpoint),
      (calls) => calls[0]?.open === true,
    );
    expect((await api("POST", `/api/runs/${runId}/cancel`)).status).toBe(200);
    const calls = await poll(
      "the tool call to be aborted",
      () => mcpCalls(endpoint),
      (c) => c[0]?.open === false,
    );
    expect(calls).toEqual([expect.objectContaining({ tool: "hold", aborted: true })]);
    expect(await requestsFor(fixture, model)).toHaveLength(1);
    expect((await api<{ status: string }>("GET", `/api/runs/${runId}`)).body.status).toBe(
      "cancelled",
    );
  });

  it("reuses a deterministic agent's answer only while none of its MCP tools has effects", async () => {
    const readOnly = modelName("mcp-cache-ro");
    const effects = modelName("mcp-cache-fx");
    await register("reader", `reader-${readOnly}`, { allowedTools: ["search_issues"] });
    await register("writer", `writer-${effects}`, {
      allowedTools: ["search_issues"],
      effects: ["search_issues"],
    });
    await script(fixture, readOnly, [{ content: "read" }]);
    await script(fixture, effects, [{ content: "wrote" }, { content: "wrote again" }]);
    const cached = { temperature: 0, cache: true };
    const ro = await createWorkflow(
      agentFlow(readOnly, { ...cached, mcp: [{ server: "reader" }] }),
    );
    const fx = await createWorkflow(agentFlow(effects, { ...cached, mcp: [{ server: "writer" }] }));
    // The effects agent first: a wrong cache entry of it would be written before the other's.
    const firstFx = await waitUntil(await startRun(fx), isOver);
    const firstRo = await waitUntil(await startRun(ro), isOver);
    expect([firstFx.output, firstRo.output]).toEqual(["wrote", "read"]);
    const entries = (runId: string) =>
      env.DB.prepare("SELECT count(*) AS n FROM semantic_cache WHERE run_id = ?")
        .bind(runId)
        .first<{ n: number }>();
    await d1Until(
      () => entries(firstRo.id),
      (r) => r?.n === 1,
    );
    expect((await entries(firstFx.id))?.n).toBe(0);
    const again = await Promise.all(
      [ro, fx].map(async (wf) => waitUntil(await startRun(wf), isOver)),
    );
    expect(again.map((r) => r.output)).toEqual(["read", "wrote again"]);
    expect((await requestsFor(fixture, readOnly)).length).toBe(1);
    expect((await requestsFor(fixture, effects)).length).toBe(2);
  });
});
