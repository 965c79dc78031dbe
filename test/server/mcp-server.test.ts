import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aob } from "../support/cli";
import { poll } from "../support/poll";
import { sharedServer } from "../support/shared-server";

/**
 * aob as an MCP server (docs/MCP.md): the official SDK's client connects to `/mcp` of a real
 * `wrangler dev`, as an MCP client (Claude Desktop, Cursor, an agent) would.
 */

const greetInput = {
  type: "object",
  properties: { name: { type: "string", minLength: 1 }, excited: { type: "boolean" } },
  required: ["name"],
  additionalProperties: false,
};

/** Exposed as a tool: its name gives the tool's, its start node's input schema the arguments. */
const greet = {
  name: "Greet a person",
  description: "Greets a person by name.",
  exposeAsTool: true,
  nodes: [
    { id: "start", type: "start", config: { inputSchema: greetInput } },
    {
      id: "greet",
      type: "end",
      config: {
        output: { greeting: "{{ 'Hello, ' & input.name & (input.excited ? '!' : '.') }}" },
      },
    },
  ],
  edges: [{ from: "start", to: "greet" }],
};

/** Stops at an approval anyone with `approve` may decide; approving ends it with the form data. */
const gate = {
  name: "mcp-gate",
  nodes: [
    { id: "start", type: "start" },
    {
      id: "ask",
      type: "approval",
      config: {
        message: "Ship {{ input.release }}?",
        form: { type: "object", properties: { note: { type: "string" } }, required: ["note"] },
      },
    },
    { id: "yes", type: "end", config: { output: { shipped: "{{ nodes.ask.output.data.note }}" } } },
    { id: "no", type: "end", config: { output: { shipped: false } } },
  ],
  edges: [
    { from: "start", to: "ask" },
    { from: "ask", to: "yes", on: "approved" },
    { from: "ask", to: "no", on: "rejected" },
  ],
};

interface Audited {
  actor: { userId: string; name: string; keyId: string | null };
  action: string;
  target: { type: string; id: string };
  details: Record<string, unknown>;
}

/** The text of a tool result (its first content block). */
function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === "text" ? first.text : "";
}

describe("aob's MCP server at /mcp, through the official SDK client", () => {
  // The `server` project's shared wrangler dev (test/support/server-setup.ts).
  const dev = sharedServer();
  let viewerKey = "";
  const clients: Client[] = [];

  /** A client of /mcp sending `key` as its bearer token (none: no Authorization header). */
  function connect(key: string | null): Promise<Client> {
    return connectTo(`${dev.url}/mcp`, key ? { authorization: `Bearer ${key}` } : {});
  }

  async function connectTo(url: string, headers: Record<string, string>): Promise<Client> {
    const client = new Client({ name: "aob-test", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }),
    );
    clients.push(client);
    return client;
  }

  async function call(client: Client, name: string, args: Record<string, unknown>) {
    return (await client.callTool({ name, arguments: args })) as CallToolResult;
  }

  beforeAll(async () => {
    for (const definition of [greet, gate]) {
      const saved = await dev.api("POST", "/api/workflows", definition);
      expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    }
    // A person who may only read (docs/PEOPLE.md): a viewer, with a key of the read scope.
    const user = await dev.api<{ id: string }>("POST", "/api/users", {
      name: "Vera Viewer",
      roles: ["viewer"],
    });
    const key = await dev.api<{ key: string }>("POST", `/api/users/${user.body.id}/keys`, {
      name: "vera's mcp",
      scopes: ["read"],
    });
    expect(key.status, JSON.stringify(key.body)).toBe(201);
    viewerKey = key.body.key;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  it("refuses a client without a key with 401, before any MCP message is read", async () => {
    // The SDK's error carries the HTTP status and the API's error body.
    await expect(connect(null)).rejects.toMatchObject({
      code: 401,
      message: expect.stringContaining("missing API key"),
    });
    const res = await fetch(`${dev.url}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    // A page of another site is refused, key or not (MCP's rule against DNS rebinding).
    const foreign = await fetch(`${dev.url}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${dev.key}`, origin: "https://evil.example" },
      body: "{}",
    });
    expect(foreign.status).toBe(403);
    // Stateless: no stream to open, no session to end.
    const stream = await fetch(`${dev.url}/mcp`, {
      headers: { authorization: `Bearer ${dev.key}`, accept: "text/event-stream" },
    });
    expect([stream.status, stream.headers.get("allow")]).toEqual([405, "POST"]);
  });

  it("lists its tools and each exposed workflow, with the workflow's input schema", async () => {
    // Connected the way `aob mcp config` tells a client to (docs/MCP.md).
    const printed = await aob(["mcp", "config", "--json"], {
      env: { AOB_URL: dev.url, AOB_API_KEY: dev.key },
    });
    expect(printed.code, printed.stderr).toBe(0);
    const entry = (
      JSON.parse(printed.stdout) as {
        mcpServers: { aob: { type: string; url: string; headers: Record<string, string> } };
      }
    ).mcpServers.aob;
    expect(entry).toEqual({
      type: "http",
      url: `${dev.url}/mcp`,
      headers: { Authorization: `Bearer ${dev.key}` },
    });
    const client = await connectTo(entry.url, entry.headers);
    expect(client.getServerVersion()?.name).toBe("aob");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual([
      "list_workflows",
      "start_run",
      "get_run",
      "list_approvals",
      "decide_approval",
      "send_event",
      "greet_a_person",
    ]);
    const tool = tools.find((t) => t.name === "greet_a_person")!;
    expect(tool.inputSchema).toEqual(greetInput);
    expect(tool.title).toBe("Greet a person");
    expect(tool.description).toMatch(/^Greets a person by name\./);
    const decide = tools.find((t) => t.name === "decide_approval")!;
    expect(decide.inputSchema.required).toEqual(
      expect.arrayContaining(["runId", "nodeId", "decision"]),
    );
  });

  it("runs the exposed workflow as a tool and answers its output; bad arguments start nothing", async () => {
    const client = await connect(dev.key);
    const done = await call(client, "greet_a_person", { name: "Ada", excited: true });
    expect(done.isError ?? false).toBe(false);
    expect(done.structuredContent).toMatchObject({
      status: "completed",
      output: { greeting: "Hello, Ada!" },
    });
    const runId = (done.structuredContent as { runId: string }).runId;
    const run = await dev.api<{ status: string; workflowId: string }>("GET", `/api/runs/${runId}`);
    expect(run.body.status).toBe("completed");

    // This workflow's runs: other files start runs on the same server meanwhile.
    const runsOf = `/api/runs?workflowId=${run.body.workflowId}&limit=100`;
    const before = (await dev.api<{ runs: unknown[] }>("GET", runsOf)).body.runs;
    const bad = await call(client, "greet_a_person", { name: 42, shout: true });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/^validation_failed: the arguments do not match/);
    expect(textOf(bad)).toMatch(/^- name: /m);
    const paths = (
      bad.structuredContent as { error: { details: { errors: { at: string }[] } } }
    ).error.details.errors.map((e) => e.at);
    expect(paths).toContain("name");
    const after = (await dev.api<{ runs: unknown[] }>("GET", runsOf)).body.runs;
    expect(after).toHaveLength(before.length);
  });

  it("starts a run with an approval, lists and decides it as the key's user, and the run completes", async () => {
    const client = await connect(dev.key);
    const { structuredContent: listed } = await call(client, "list_workflows", {
      name: "mcp-gate",
    });
    const workflowId = (listed as { workflows: { id: string }[] }).workflows[0]!.id;
    // Asked to wait, a run that does not end in time is answered as it is, with how to go on.
    const started = await call(client, "start_run", {
      workflowId,
      input: { release: "v2" },
      waitSeconds: 1,
    });
    const { runId, status, note } = started.structuredContent as {
      runId: string;
      status: string;
      note: string;
    };
    expect(started.structuredContent).toMatchObject({ workflowId });
    expect(["running", "waiting"]).toContain(status);
    expect(note).toContain(`call get_run with runId "${runId}"`);

    // The inbox is D1's projection of the run: it shows the approval once the run wrote it.
    const inbox = await poll(
      `run ${runId}'s approval in list_approvals`,
      async () =>
        (await call(client, "list_approvals", { for: "me" })).structuredContent as {
          approvals: { runId: string; nodeId: string; message: string }[];
        },
      (page) => page.approvals.some((a) => a.runId === runId),
    );
    expect(inbox.approvals.find((a) => a.runId === runId)).toMatchObject({
      nodeId: "ask",
      message: "Ship v2?",
    });

    // The form is checked as through REST: a refusal with its path, and nothing recorded.
    const invalid = await call(client, "decide_approval", {
      runId,
      nodeId: "ask",
      decision: "approve",
      data: {},
    });
    expect(invalid.isError).toBe(true);
    expect(textOf(invalid)).toMatch(/^validation_failed: .*\n- data: .*"note"/);

    const decided = await call(client, "decide_approval", {
      runId,
      nodeId: "ask",
      decision: "approve",
      data: { note: "go" },
    });
    expect(decided.isError ?? false).toBe(false);
    expect(decided.structuredContent).toMatchObject({
      approval: { status: "approved", votes: [{ by: "Local admin", decision: "approve" }] },
    });
    const again = await call(client, "decide_approval", {
      runId,
      nodeId: "ask",
      decision: "reject",
    });
    expect(textOf(again)).toMatch(/^conflict: /);

    const run = await call(client, "get_run", { runId, waitSeconds: 20 });
    expect(run.structuredContent).toMatchObject({
      runId,
      status: "completed",
      output: { shipped: "go" },
    });

    // The same audit entry as a decision through REST (docs/PEOPLE.md, "Audit log").
    const other = await dev.api<{ runId: string }>("POST", `/api/workflows/${workflowId}/runs`, {
      input: { release: "v3" },
    });
    await poll(
      `run ${other.body.runId} to wait`,
      async () => (await dev.api<{ status: string }>("GET", `/api/runs/${other.body.runId}`)).body,
      (r) => r.status === "waiting",
    );
    const rest = await dev.api("POST", `/api/runs/${other.body.runId}/approvals/ask`, {
      decision: "reject",
    });
    expect(rest.status).toBe(200);
    const { entries } = (
      await dev.api<{ entries: Audited[] }>("GET", "/api/audit?action=approval.decide")
    ).body;
    const byRun = new Map(entries.map((e) => [e.target.id, e]));
    const [viaMcp, viaRest] = [byRun.get(runId), byRun.get(other.body.runId)];
    expect(viaMcp).toMatchObject({
      action: "approval.decide",
      target: { type: "run", id: runId },
      details: { nodeId: "ask", attempt: 1, decision: "approve" },
    });
    expect(viaMcp?.actor).toEqual(viaRest?.actor);
    expect(Object.keys(viaMcp?.details ?? {}).sort()).toEqual(
      Object.keys(viaRest?.details ?? {}).sort(),
    );

    // An event with no wait for it goes nowhere, as through POST /api/events.
    const sent = await call(client, "send_event", { name: "nobody.waits" });
    expect(sent.structuredContent).toEqual({ delivered: [], kept: false, duplicates: [] });
  });

  it("shows a viewer's key only what it may call, and refuses the rest naming the scope", async () => {
    const client = await connect(viewerKey);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(["list_workflows", "get_run", "list_approvals"]);
    const listed = await call(client, "list_workflows", {});
    expect(listed.isError ?? false).toBe(false);

    const start = await call(client, "start_run", { workflowId: "wf_any" });
    expect(start.isError).toBe(true);
    expect(textOf(start)).toMatch(/^forbidden: this request lacks the "run" scope/);
    const asTool = await call(client, "greet_a_person", { name: "Ada" });
    expect(asTool.isError).toBe(true);
    expect(textOf(asTool)).toContain('lacks the "run" scope');
    const decide = await call(client, "decide_approval", {
      runId: "run_any",
      nodeId: "ask",
      decision: "approve",
    });
    expect(textOf(decide)).toContain('lacks the "approve" scope');
  });
});
