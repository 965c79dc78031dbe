import { describe, expect, inject, it } from "vitest";
import { isOver, modelName, requestsFor, script, waitUntil } from "./agent-helpers";
import { api, createWorkflow, seen, startRun } from "./helpers";

/*
 * Custom http tools (issue 22, point 3): declared on the agent node, called by the model with
 * arguments checked against their JSON Schema, sent like an http node's request (the SSRF guard,
 * secrets resolved only where the workflow wrote them and only to their hosts). The servers are
 * the fixture's two origins on 127.0.0.1 and 127.0.0.2; the model is the scripted stub.
 */

const fixture = inject("fixtureUrl");
const fixture2 = inject("fixtureUrl2");

interface StoredEvent {
  type: string;
  data?: Record<string, unknown>;
}

function lookupTool(name: string) {
  return {
    name: "lookup",
    description: "Looks a ticket up in the tracker at `base`.",
    parameters: {
      type: "object",
      properties: { base: { type: "string" }, id: { type: "integer" } },
      required: ["base", "id"],
      additionalProperties: false,
    },
    request: {
      method: "GET",
      url: `{{ args.base }}/echo/${name}-{{ args.id }}`,
      headers: { authorization: "Bearer {{ secrets.TOOL_TOKEN }}" },
    },
  };
}

function agentFlow(model: string, httpTools: unknown[]) {
  return {
    name: `http tools ${model}`,
    nodes: [
      { id: "start", type: "start" },
      { id: "agent", type: "agent", config: { model, prompt: "Look ticket 7 up", httpTools } },
      { id: "done", type: "end", config: { output: "{{ nodes.agent.output }}" } },
    ],
    edges: [
      { from: "start", to: "agent" },
      { from: "agent", to: "done" },
    ],
  };
}

describe("custom http tools", () => {
  it("sends the model's arguments with the secret header to its allowed host only, refuses arguments off the schema, and records calls with secrets as references", async () => {
    const model = modelName("http-tool");
    const name = `ticket-${model}`;
    const token = `tool-token-${crypto.randomUUID()}`;
    const bind = await api("PUT", "/api/secrets/TOOL_TOKEN", {
      value: token,
      allowedHosts: ["127.0.0.1"],
    });
    expect(bind.status).toBe(200);
    await script(fixture, model, [
      {
        toolCalls: [
          { name: "lookup", arguments: { base: fixture, id: 7 } },
          { name: "lookup", arguments: { base: fixture2, id: 8 } },
          { name: "lookup", arguments: { base: fixture, id: "seven" } },
        ],
      },
      { content: "Ticket 7 found" },
    ]);
    const runId = await startRun(await createWorkflow(agentFlow(model, [lookupTool(name)])));
    const run = await waitUntil(runId, isOver);

    expect(run.status).toBe("completed");
    const requests = await requestsFor(fixture, model);
    expect(requests[0]!.tools!.map((t) => t.function.name)).toEqual(["lookup"]);
    const [found, otherHost, offSchema] = requests[1]!.messages
      .filter((m) => m.role === "tool")
      .map((m) => JSON.parse(m.content ?? "null"));
    expect(found).toMatchObject({ status: 200, body: { name: `${name}-7`, method: "GET" } });
    expect(otherHost.error.code).toBe("secret_host_not_allowed");
    expect(otherHost.error.message).toContain('secret "TOOL_TOKEN" may be sent only to 127.0.0.1');
    expect(offSchema.error).toBe("the arguments do not match the tool's parameters");
    expect(offSchema.problems).toEqual([expect.stringMatching(/^id: /)]);
    // The value reached 127.0.0.1 once, and never 127.0.0.2 nor the model.
    expect(await seen(token)).toBe(1);
    expect(JSON.stringify(requests)).not.toContain(token);

    const { body } = await api<{ events: StoredEvent[] }>(
      "GET",
      `/api/runs/${runId}/events?nodeId=agent`,
    );
    const calls = body.events.filter((e) => e.type === "tool_called").map((e) => e.data);
    const shown = { authorization: "Bearer {{ secrets.TOOL_TOKEN }}" };
    expect(calls).toEqual([
      expect.objectContaining({
        source: "http",
        tool: "lookup",
        arguments: { base: fixture, id: 7 },
        request: { method: "GET", url: `${fixture}/echo/${name}-7`, headers: shown },
        ok: true,
      }),
      expect.objectContaining({
        arguments: { base: fixture2, id: 8 },
        request: { method: "GET", url: `${fixture2}/echo/${name}-8`, headers: shown },
        ok: false,
      }),
      expect.objectContaining({ arguments: { base: fixture, id: "seven" }, ok: false }),
    ]);
    expect(JSON.stringify(body.events)).not.toContain(token);
  });

  it("refuses custom tools that cannot work when the workflow is saved, with the path of each", async () => {
    const bad = [
      { ...lookupTool("x"), name: "http_request" },
      { ...lookupTool("x"), name: "second", parameters: { type: "array" } },
      {
        ...lookupTool("x"),
        name: "third",
        request: { url: "https://api.example.com/{{ input.id }}" },
      },
    ];
    const res = await api<{ error: { details: { errors: { at: string; message: string }[] } } }>(
      "POST",
      "/api/workflows",
      agentFlow(modelName("http-tool-bad"), bad),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details.errors.map((e) => e.at)).toEqual([
      "nodes[1].config.httpTools[0].name",
      "nodes[1].config.httpTools[1].parameters",
      "nodes[1].config.httpTools[2].request.url",
    ]);
    expect(res.body.error.details.errors[2]!.message).toContain("see only args");
  });
});
