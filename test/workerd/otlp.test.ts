import { env } from "cloudflare:test";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { ReceivedSpan } from "../support/otlp-receiver";
import { poll } from "../support/poll";
import { api, type RunBody } from "./helpers";
import { personRows } from "./setup";

/*
 * Run traces over OTLP/HTTP (docs/OBSERVABILITY.md, "Traces (OpenTelemetry)"): a collector on
 * 127.0.0.1 (test/support/http-fixture.ts) receives each ended run as protobuf and decodes it
 * with the official OpenTelemetry types (test/support/otlp-receiver.ts). Its own tenant.
 */

const fixture = inject("fixtureUrl");
const ADMIN = "aob_test_key_otlp_admin";
const TENANT = "t_otlp";
const tag = crypto.randomUUID().slice(0, 8);
/** A secret an http node sends, and one the exporter sends to the collector. */
const NODE_SECRET = `node-secret-${tag}`;
const COLLECTOR_KEY = `collector-key-${tag}`;

interface Received {
  requests: number;
  exports: { contentType: string; apiKey: string | null; spans: ReceivedSpan[]; base64: string }[];
}
interface Event {
  type: string;
  data?: Record<string, unknown>;
}
interface OtlpJson {
  resourceSpans: { scopeSpans: { spans: { spanId: string; parentSpanId?: string }[] }[] }[];
}

const as = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
  api<T>(method, path, body, ADMIN);

const collector = async (name: string) =>
  (await fetch(`${fixture}/otlp/read/${name}`)).json() as Promise<Received>;

const events = async (runId: string) =>
  (await as<{ events: Event[] }>("GET", `/api/runs/${runId}/events`)).body.events;

async function run(definition: unknown): Promise<RunBody> {
  const created = await as<{ id: string }>("POST", "/api/workflows", definition);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const started = await as<{ runId: string }>("POST", `/api/workflows/${created.body.id}/runs`, {});
  return poll(
    `run ${started.body.runId} to end`,
    async () => (await as<RunBody>("GET", `/api/runs/${started.body.runId}`)).body,
    (r) => ["completed", "failed", "cancelled"].includes(r.status),
  );
}

/** The spans of one run among those a collector received. */
const spansOf = (received: Received, runId: string) =>
  received.exports.flatMap((e) => e.spans).filter((s) => s.attributes["aob.run.id"] === runId);

const endpoint = (failures: number, name: string) =>
  `${fixture}/otlp/${failures}/${name}/v1/traces`;

beforeAll(async () => {
  await env.DB.batch([
    env.DB.prepare("INSERT OR IGNORE INTO tenants (id, name, created_at) VALUES (?, ?, 0)").bind(
      TENANT,
      "Traces",
    ),
    ...(await personRows({
      tenantId: TENANT,
      userId: "usr_otlp_admin",
      name: "Otto",
      roles: ["admin"],
      keyId: "k_otlp_admin",
      key: ADMIN,
      scopes: ["read", "run", "edit", "approve", "admin"],
    })),
  ]);
  for (const [name, value] of [
    ["NODE_TOKEN", NODE_SECRET],
    ["COLLECTOR_KEY", COLLECTOR_KEY],
  ]) {
    expect((await as("PUT", `/api/secrets/${name}`, { value })).status).toBe(200);
  }
});

describe("the OTLP export's setting", () => {
  it("refuses an endpoint the SSRF guard refuses and a secret the tenant lacks, at their paths", async () => {
    expect((await as("GET", "/api/telemetry/otlp")).status).toBe(404);
    const refused = await as<{ error: { details: { errors: { at: string; code: string }[] } } }>(
      "PUT",
      "/api/telemetry/otlp",
      {
        endpoint: "http://169.254.169.254/v1/traces",
        headers: { "x-api-key": "{{ secrets.NOT_SET }}" },
      },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.errors.map((e) => [e.at, e.code])).toEqual([
      ["endpoint", expect.any(String)],
      ["headers.x-api-key", "secret_not_found"],
    ]);
    const set = await as("PUT", "/api/telemetry/otlp", {
      endpoint: endpoint(0, `runs-${tag}`),
      headers: { "x-api-key": "{{ secrets.COLLECTOR_KEY }}" },
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const shown = await as("GET", "/api/telemetry/otlp");
    expect(shown.body).toMatchObject({ headerNames: ["x-api-key"], enabled: true });
    expect(JSON.stringify(shown.body)).not.toContain(`runs-${tag}`);
  });
});

describe("a run's trace", () => {
  let parent: RunBody;
  let child: RunBody;

  it("reaches the collector: a span per node attempt under the run's, the child's under its node", async () => {
    await run({
      name: `child ${tag}`,
      nodes: [
        { id: "start", type: "start" },
        { id: "double", type: "transform", config: { expression: "input.n * 2" } },
        { id: "done", type: "end", config: { output: "{{ nodes.double.output }}" } },
      ],
      edges: [
        { from: "start", to: "double" },
        { from: "double", to: "done" },
      ],
    });
    parent = await run({
      name: `parent ${tag}`,
      nodes: [
        { id: "start", type: "start" },
        {
          id: "call",
          type: "http",
          config: {
            url: `${fixture}/flaky/1/flaky-${tag}`,
            headers: { authorization: "Bearer {{ secrets.NODE_TOKEN }}" },
          },
          retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 },
        },
        { id: "sub", type: "subworkflow", config: { workflow: `child ${tag}`, input: { n: 21 } } },
        { id: "done", type: "end", config: { output: "{{ nodes.sub.output }}" } },
      ],
      edges: [
        { from: "start", to: "call" },
        { from: "call", to: "sub" },
        { from: "sub", to: "done" },
      ],
    });
    expect(parent.status).toBe("completed");
    const childRunId = (
      await as<{ nodes: { id: string; childRunId?: string }[] }>("GET", `/api/runs/${parent.id}`)
    ).body.nodes.find((n) => n.id === "sub")?.childRunId;
    child = (await as<RunBody>("GET", `/api/runs/${childRunId}`)).body;

    const received = await poll(
      "both runs' traces at the collector",
      () => collector(`runs-${tag}`),
      (r) => spansOf(r, parent.id).length > 0 && spansOf(r, child.id).length > 0,
    );
    for (const e of received.exports) {
      expect(e.contentType).toBe("application/x-protobuf");
      expect(e.apiKey).toBe(COLLECTOR_KEY);
    }
    const spans = spansOf(received, parent.id);
    const root = spans.find((s) => s.attributes["aob.node.id"] === undefined)!;
    expect(root).toMatchObject({
      name: `parent ${tag}`,
      parentSpanId: "",
      attributes: { "aob.run.status": "completed", "aob.workflow.version": 1 },
      status: { code: 1 },
      resource: { "service.name": "aob" },
      scope: { name: "aob" },
    });
    const nodes = spans.filter((s) => s !== root);
    expect(nodes.map((s) => [s.name, s.attributes["aob.node.attempt"]]).sort()).toEqual([
      ["call", 1],
      ["call", 2],
      ["done", 1],
      ["start", 1],
      ["sub", 1],
    ]);
    expect(nodes.every((s) => s.parentSpanId === root.spanId && s.traceId === root.traceId)).toBe(
      true,
    );
    const failed = nodes.find((s) => s.name === "call" && s.attributes["aob.node.attempt"] === 1)!;
    expect(failed.status.code).toBe(2);
    expect(failed.attributes["aob.node.kind"]).toBe("http");

    const sub = nodes.find((s) => s.name === "sub")!;
    const childSpans = spansOf(received, child.id);
    const childRoot = childSpans.find((s) => s.attributes["aob.node.id"] === undefined)!;
    expect(childRoot.parentSpanId).toBe(sub.spanId);
    expect(childSpans.every((s) => s.traceId === root.traceId)).toBe(true);
    expect(childRoot.attributes["aob.run.parent_id"]).toBe(parent.id);

    // Nothing secret in what was sent: not the node's header, not the collector's key.
    for (const e of received.exports) {
      const body = Buffer.from(e.base64, "base64");
      expect(body.includes(NODE_SECRET)).toBe(false);
      expect(body.includes(COLLECTOR_KEY)).toBe(false);
    }
    const sent = await poll(
      "the parent's export recorded",
      async () => (await events(parent.id)).filter((e) => e.type === "trace_exported"),
      (list) => list.length === 1,
    );
    expect(sent[0]!.data).toMatchObject({ tries: 1, spans: 6, batches: 1 });
  });

  it("reads as OTLP JSON with the same ids, and is sent again after a 503", async () => {
    const json = await as<OtlpJson>("GET", `/api/runs/${parent.id}/trace`);
    expect(json.status).toBe(200);
    const text = JSON.stringify(json.body);
    expect(text).not.toContain(NODE_SECRET);
    const ids = json.body.resourceSpans
      .flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))
      .map((s) => s.spanId)
      .sort();
    const received = spansOf(await collector(`runs-${tag}`), parent.id);
    expect(ids).toEqual(received.map((s) => s.spanId).sort());

    expect(
      (await as("PUT", "/api/telemetry/otlp", { endpoint: endpoint(1, `again-${tag}`) })).status,
    ).toBe(200);
    const again = await as("POST", `/api/runs/${parent.id}/trace`);
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    const resent = await poll(
      "the trace sent again, after a 503",
      () => collector(`again-${tag}`),
      (r) => r.exports.length === 1,
    );
    expect(resent.requests).toBe(2);
    expect(resent.exports[0]!.spans.map((s) => s.spanId).sort()).toEqual(ids);
    const exported = await poll(
      "the second export recorded with its tries",
      async () => (await events(parent.id)).filter((e) => e.type === "trace_exported"),
      (list) => list.length === 2,
    );
    expect(exported[1]!.data).toMatchObject({ tries: 2, spans: 6 });
  });

  it("is refused while the run has not ended, and a re-export without an endpoint", async () => {
    const created = await as<{ id: string }>("POST", "/api/workflows", {
      name: `waits ${tag}`,
      nodes: [
        { id: "start", type: "start" },
        { id: "ask", type: "approval", config: { message: "go?" } },
      ],
      edges: [{ from: "start", to: "ask" }],
    });
    const { runId } = (
      await as<{ runId: string }>("POST", `/api/workflows/${created.body.id}/runs`, {})
    ).body;
    await poll(
      "the run to wait",
      async () => (await as<RunBody>("GET", `/api/runs/${runId}`)).body.status,
      (s) => s === "waiting",
    );
    const active = await as<{ error: { code: string } }>("GET", `/api/runs/${runId}/trace`);
    expect([active.status, active.body.error.code]).toEqual([409, "run_active"]);
    expect((await as("DELETE", "/api/telemetry/otlp")).status).toBe(204);
    expect((await as("POST", `/api/runs/${child.id}/trace`)).status).toBe(409);
  });
});
