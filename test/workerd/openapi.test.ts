import { env, SELF } from "cloudflare:test";
import { type OutputUnit, validate } from "@hyperjump/json-schema/openapi-3-1";
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  allows,
  ROLES,
  type Role,
  SCOPES,
  type Scope,
  scopesOfRoles,
} from "../../core/people/roles";
import apiMarkdown from "../../docs/API.md?raw";
import { app } from "../../workers/api/app";
import { poll } from "../support/poll";
import { api, createWorkflow, ECHO_WORKFLOW, type RunBody, startRun, waitForRun } from "./helpers";
import {
  check,
  type Document,
  type Op,
  operations,
  pointer,
  refsOf,
  resolve,
  scopeOf,
} from "./openapi-doc";
import { personRows, TEST_KEY } from "./setup";

/**
 * The operations the route tables of docs/API.md name: a row's first cell starts with
 * `` `METHOD /path` ``, with `:param` for a path parameter and, optionally, a `?query=`.
 */
function routeRows(markdown: string): string[] {
  return [...markdown.matchAll(/^\| `(GET|POST|PUT|PATCH|DELETE) ([^`?\s]+)[^`]*`/gm)].map(
    ([, method, path]) => `${method} ${path!.replace(/:(\w+)/g, "{$1}")}`,
  );
}

let doc: Document;

beforeAll(async () => {
  const res = await SELF.fetch("https://aob.test/openapi.json");
  expect(res.status).toBe(200);
  doc = (await res.json()) as Document;
});

/** A request path for a documented path, with a value for each parameter. */
function fill(path: string, values: Record<string, string> = {}): string {
  const sample: Record<string, string> = {
    id: "nope",
    a: "nope",
    b: "nope",
    nodeId: "gate",
    version: "1",
    hash: "0".repeat(64),
    name: "NAME",
    workflowId: "nope",
    token: "nope",
    ...values,
  };
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = sample[name];
    if (value === undefined) throw new Error(`no sample for {${name}} in ${path}`);
    return value;
  });
}

async function keyWith(scopes: string[], roles: Role[] = ["admin"]): Promise<string> {
  const key = `aob_test_${crypto.randomUUID()}`;
  const id = crypto.randomUUID();
  await env.DB.batch(
    await personRows({
      tenantId: "t_a",
      userId: `usr_${id}`,
      name: `scopes ${scopes.join(" ")}, roles ${roles.join(" ")}`,
      roles,
      keyId: `k_${id}`,
      key,
      scopes,
    }),
  );
  return key;
}

// JSON bodies; an import streams NDJSON, which the import tests cover.
const hasBody = (o: Op) => o.op.requestBody?.content["application/json"] !== undefined;

describe("GET /openapi.json", () => {
  it("is served without a key and validates as an OpenAPI 3.1 document", async () => {
    const res = await SELF.fetch("https://aob.test/openapi.json");
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(doc.openapi).toBe("3.1.0");
    const output = await validate(
      "https://spec.openapis.org/oas/3.1/schema-base",
      doc as never,
      "BASIC",
    );
    const failures = output.valid ? [] : (output.errors ?? []).filter((e: OutputUnit) => !e.valid);
    expect(failures, "validation errors").toEqual([]);
    expect(output.valid).toBe(true);
    const broken = refsOf(doc).filter(({ ref }) => pointer(doc, ref) === undefined);
    expect(broken, "$refs that point nowhere").toEqual([]);
  });

  it("documents every route the app serves, and nothing it does not serve", () => {
    const served = new Set(
      app.routes
        .filter((r) => r.method !== "ALL")
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = new Set(operations(doc).map((o) => `${o.method} ${o.path}`));
    expect([...served].sort()).toEqual([...documented].sort());
    // Spot check that both lists are the real ones, not two empty sets.
    expect(documented).toContain("GET /api/runs/{id}");
    expect(documented).toContain("POST /hooks/{workflowId}/{token}");
    expect(documented).toContain("GET /openapi.json");
  });

  it("is the route table of docs/API.md: every operation has a row, every row is an operation", () => {
    const documented = new Set(operations(doc).map((o) => `${o.method} ${o.path}`));
    const rows = routeRows(apiMarkdown);
    const inTable = new Set(rows);
    expect(
      [...documented].filter((o) => !inTable.has(o)),
      "operations with no row in docs/API.md",
    ).toEqual([]);
    expect(
      rows.filter((r) => !documented.has(r)),
      "rows of docs/API.md that are no operation",
    ).toEqual([]);
    expect(inTable.size).toBeGreaterThan(30);
  });

  it("gives every operation a unique camelCase operationId and a tag, for SDK generators", () => {
    const ops = operations(doc);
    const ids = ops.map((o) => o.op.operationId ?? `(none: ${o.method} ${o.path})`);
    expect(ids.filter((id) => !/^[a-z][a-zA-Z0-9]*$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      ops.filter((o) => (o.op.tags ?? []).length === 0).map((o) => `${o.method} ${o.path}`),
    ).toEqual([]);
  });

  it("gives every JSON request body and success answer an example that matches its schema", async () => {
    const missing: string[] = [];
    const invalid: string[] = [];
    for (const { method, path, op } of operations(doc)) {
      const media = [
        ["body", op.requestBody?.content["application/json"]] as const,
        ...Object.entries(op.responses)
          .filter(([status]) => status.startsWith("2"))
          .map(([status, answer]) => [status, answer.content?.["application/json"]] as const),
      ];
      for (const [what, body] of media) {
        if (!body) continue;
        const at = `${method} ${path} ${what}`;
        if (body.example === undefined) missing.push(at);
        else
          invalid.push(...(await check(doc, body.schema, body.example)).map((e) => `${at}: ${e}`));
      }
    }
    expect(missing, "JSON bodies without an example").toEqual([]);
    expect(invalid).toEqual([]);
  });

  it("names the scope each operation enforces: a key without it gets 403, a key with only it does not", async () => {
    const all = ["read", "run", "edit", "approve"];
    const keys: Record<string, { without: string; only: string }> = {};
    for (const scope of [...all, "admin"]) {
      keys[scope] = {
        without: await keyWith(scope === "admin" ? all : all.filter((s) => s !== scope)),
        only: await keyWith([scope]),
      };
    }
    const checked: string[] = [];
    for (const o of operations(doc)) {
      const scope = scopeOf(o.op);
      if (scope === null) continue;
      const send = (key: string) =>
        api<{ error?: { code: string; message: string } }>(
          o.method,
          fill(o.path),
          hasBody(o) ? {} : undefined,
          key,
        );
      const refused = await send(keys[scope]!.without);
      expect(refused.status, `${o.method} ${o.path} without "${scope}"`).toBe(403);
      expect(refused.body.error?.message).toContain(`"${scope}"`);
      const allowed = await send(keys[scope]!.only);
      expect([401, 403], `${o.method} ${o.path} with only "${scope}"`).not.toContain(
        allowed.status,
      );
      checked.push(`${o.method} ${o.path}`);
    }
    expect(checked.length).toBeGreaterThan(25);
  });

  it("lets each role reach exactly the operations its scopes allow (docs/PEOPLE.md, the roles table)", {
    timeout: 60_000,
  }, async () => {
    const scoped = operations(doc).flatMap((o) => {
      const scope = scopeOf(o.op);
      return scope === null ? [] : [{ ...o, scope: scope as Scope }];
    });
    expect(scoped.length).toBeGreaterThan(25);
    for (const role of ROLES) {
      // A key with every scope: only the user's role narrows it.
      const key = await keyWith([...SCOPES], [role]);
      const granted = scopesOfRoles([role]);
      // The operations of one role at once: each names ids that do not exist, so none changes
      // anything another depends on.
      const answers = await Promise.all(
        scoped.map((o) =>
          api<{ error?: { code: string; message: string } }>(
            o.method,
            fill(o.path),
            hasBody(o) ? {} : undefined,
            key,
          ),
        ),
      );
      scoped.forEach((o, i) => {
        const answer = answers[i]!;
        const where = `${role}: ${o.method} ${o.path} (needs "${o.scope}")`;
        if (allows(granted, o.scope)) {
          expect([401, 403], where).not.toContain(answer.status);
        } else {
          expect(answer.status, where).toBe(403);
          expect(answer.body.error?.message, where).toContain(role);
        }
      });
    }
  });

  it("documents the replay and patch bodies with exactly the fields they take", () => {
    const bodyOf = (path: string) =>
      resolve(doc, doc.paths[path]!.post!.requestBody!.content["application/json"]!.schema);
    expect(Object.keys(bodyOf("/api/runs/{id}/replay").properties ?? {}).sort()).toEqual([
      "fromNode",
      "input",
    ]);
    expect(Object.keys(bodyOf("/api/runs/{id}/patches").properties ?? {}).sort()).toEqual([
      "ops",
      "reason",
    ]);
  });

  it("refuses a body without a field the document requires, or with one it does not allow, naming the field", async () => {
    const workflowId = await createWorkflow({
      name: "to edit",
      nodes: [{ id: "start", type: "start" }],
    });
    let bodies = 0;
    for (const o of operations(doc).filter(hasBody)) {
      const declared = o.op.requestBody!.content["application/json"]!.schema;
      const schema = resolve(doc, declared);
      if (schema.type !== "object") continue;
      const path = fill(o.path, { id: workflowId });
      const required = schema.required ?? [];
      if (required.length > 0) {
        const res = await api<{ error: { code: string; details: { errors: { at: string }[] } } }>(
          o.method,
          path,
          {},
        );
        expect(res.status, `${o.method} ${o.path} with {}`).toBe(400);
        expect(res.body.error.code).toBe("validation_failed");
        const at = res.body.error.details.errors.map((e) => e.at);
        expect(at, `${o.method} ${o.path}`).toEqual(expect.arrayContaining(required));
      }
      if (schema.additionalProperties === false) {
        const res = await api<{ error: { code: string } }>(o.method, path, { unexpected: 1 });
        expect(res.status, `${o.method} ${o.path} with an unknown field`).toBe(400);
        expect(JSON.stringify(res.body.error)).toContain("unexpected");
      }
      bodies++;
    }
    expect(bodies).toBeGreaterThanOrEqual(8);
  });

  it("refuses a query integer past the documented maximum, naming the parameter", async () => {
    let params = 0;
    for (const o of operations(doc)) {
      for (const p of o.op.parameters ?? []) {
        if (p.in !== "query" || p.schema.maximum === undefined) continue;
        // Every other required parameter valid, so the refusal can only be about this one.
        const others = (o.op.parameters ?? [])
          .filter((q) => q.in === "query" && q.required && q !== p)
          .map((q) => `&${q.name}=${q.schema.minimum ?? 1}`);
        const url = `${fill(o.path)}?${p.name}=${p.schema.maximum + 1}${others.join("")}`;
        const res = await api<{
          error: { code: string; message: string; details: { errors: { at: string }[] } };
        }>(o.method, url);
        expect(res.status, url).toBe(400);
        expect(res.body.error.code).toBe("bad_request");
        expect(res.body.error.message).toMatch(new RegExp(`^query parameter ${p.name}: `));
        expect(res.body.error.details.errors.map((e) => e.at)).toContain(p.name);
        params++;
      }
    }
    expect(params).toBeGreaterThanOrEqual(8);
  });
});

describe("the documented answers", () => {
  /** Calls the API and checks the answer's status and body against the document. */
  async function documented<T>(
    method: string,
    path: string,
    values: Record<string, string> = {},
    body?: unknown,
    query = "",
  ): Promise<{ status: number; body: T }> {
    const res = await api<T>(method, `${fill(path, values)}${query}`, body);
    const op = doc.paths[path]?.[method.toLowerCase()];
    expect(op, `${method} ${path} is documented`).toBeDefined();
    const answer = op!.responses[String(res.status)];
    expect(
      answer,
      `${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`,
    ).toBeDefined();
    const schema = answer!.content?.["application/json"]?.schema;
    if (schema) {
      expect(await check(doc, schema, res.body), `${method} ${path} ${res.status}`).toEqual([]);
    } else {
      expect(res.body, `${method} ${path} ${res.status} has no body`).toBeNull();
    }
    return res;
  }

  // A whole workflow's life through the API: over the default 15 s on two busy cores.
  it("match their schemas across a workflow's life: create, run, approve, replay, cancel", {
    timeout: 60_000,
  }, async () => {
    const definition = {
      name: "documented",
      nodes: [
        { id: "start", type: "start" },
        { id: "gate", type: "approval", config: { message: "go?" } },
        { id: "done", type: "end" },
      ],
      edges: [
        { from: "start", to: "gate" },
        { from: "gate", to: "done", on: "approved" },
      ],
    };
    const created = await documented<{ id: string }>("POST", "/api/workflows", {}, definition);
    expect(created.status).toBe(201);
    const id = created.body.id;
    await documented("PUT", "/api/workflows/{id}", { id }, { ...definition, description: "v2" });
    await documented("GET", "/api/workflows", {});
    await documented("GET", "/api/workflows/{id}", { id });
    await documented("GET", "/api/workflows/{id}/versions", { id });
    await documented("GET", "/api/workflows/{id}/versions/{version}", { id, version: "2" });
    await documented("GET", "/api/workflows/{id}/diff", { id }, undefined, "?from=1&to=2");
    await documented("POST", "/api/workflows/validate", {}, { name: "" });
    await documented("GET", "/api/node-types");
    await documented("GET", "/api/health");
    await documented("GET", "/api/health/deep");

    const started = await documented<{ runId: string }>(
      "POST",
      "/api/workflows/{id}/runs",
      { id },
      {},
    );
    const runId = started.body.runId;
    await poll(
      `run ${runId} to wait for its approval`,
      async () => (await api<RunBody>("GET", `/api/runs/${runId}`)).body.status,
      (status) => status === "waiting",
    );
    await documented("GET", "/api/runs/{id}", { id: runId });
    await documented("GET", "/api/approvals");
    // A person's patches: applied (201), refused by live state (422), then listed.
    await documented(
      "POST",
      "/api/runs/{id}/patches",
      { id: runId },
      {
        reason: "documented",
        ops: [
          { op: "add_node", node: { id: "extra", type: "transform", config: { expression: "1" } } },
          { op: "add_edge", edge: { from: "gate", to: "extra", on: "approved" } },
        ],
      },
    );
    const refused = await documented(
      "POST",
      "/api/runs/{id}/patches",
      { id: runId },
      { ops: [{ op: "update_node", id: "start", config: {} }] },
    );
    expect(refused.status).toBe(422);
    await documented("GET", "/api/runs/{id}/patches", { id: runId });
    await documented(
      "POST",
      "/api/runs/{id}/approvals/{nodeId}",
      { id: runId, nodeId: "gate" },
      {
        decision: "approve",
        comment: "fine",
      },
    );
    expect((await waitForRun(runId)).status).toBe("completed");
    await documented("GET", "/api/runs/{id}", { id: runId });
    await documented("GET", "/api/runs/{id}/events", { id: runId });
    await documented("GET", "/api/runs", {});
    await documented("GET", "/api/runs/{a}/diff/{b}", { a: runId, b: runId });
    await documented(
      "GET",
      "/api/runs/{a}/diff/{b}",
      { a: runId, b: runId },
      undefined,
      "?only=different&limit=1",
    );
    await documented(
      "GET",
      "/api/runs/{a}/diff/{b}",
      { a: runId, b: runId },
      undefined,
      "?cursor=x",
    );
    await documented("GET", "/api/runs/{a}/diff/{b}", { a: runId, b: "run_nope" });
    const replayed = await documented<{ runId: string }>(
      "POST",
      "/api/runs/{id}/replay",
      { id: runId },
      { fromNode: "gate" },
    );
    await documented("POST", "/api/runs/{id}/cancel", { id: replayed.body.runId });
    await documented("POST", "/api/runs/{id}/cancel", { id: replayed.body.runId }); // 409

    // Traces: the run's as OTLP JSON; a re-export refused without an endpoint (409).
    await documented("GET", "/api/runs/{id}/trace", { id: runId });
    await documented("POST", "/api/runs/{id}/trace", { id: runId });
    await documented("GET", "/api/telemetry/otlp"); // 404
    const collector = `${inject("fixtureUrl")}/otlp/0/documented/v1/traces`;
    await documented("PUT", "/api/telemetry/otlp", {}, { endpoint: collector });
    await documented("GET", "/api/telemetry/otlp");
    await documented("POST", "/api/runs/{id}/trace", { id: runId });
    await documented("DELETE", "/api/telemetry/otlp");

    await documented("GET", "/api/workflows/{id}/triggers", { id });
    await documented("PUT", "/api/workflows/{id}/triggers", { id }, { cron: "0 * * * *" });

    const key = await documented<{ id: string }>(
      "POST",
      "/api/keys",
      {},
      { name: "doc", scopes: ["read"] },
    );
    await documented("GET", "/api/keys");
    await documented("DELETE", "/api/keys/{id}", { id: key.body.id });
    await documented("PUT", "/api/secrets/{name}", { name: "DOC" }, { value: "s3cret" });
    await documented(
      "PUT",
      "/api/secrets/{name}",
      { name: "DOC" },
      { value: "s3cret", allowedHosts: ["api.example.com"] },
    );
    await documented("PATCH", "/api/secrets/{name}", { name: "DOC" }, { allowedHosts: null });
    await documented("PATCH", "/api/secrets/{name}", { name: "NONE" }, { allowedHosts: null });
    await documented("PATCH", "/api/secrets/{name}", { name: "DOC" }, { allowedHosts: ["*"] });
    await documented("GET", "/api/secrets");
    await documented("DELETE", "/api/secrets/{name}", { name: "DOC" });

    // Refusals answer in the documented error format.
    await documented("GET", "/api/runs/{id}", { id: "run_missing" });
    await documented("POST", "/api/workflows", {}, { name: "broken", nodes: [] });
    await documented("GET", "/api/runs", {}, undefined, "?status=lost");
    await documented("DELETE", "/api/workflows/{id}", { id });
  });

  it("the stats' answers match theirs", async () => {
    const id = await createWorkflow(ECHO_WORKFLOW);
    await waitForRun(await startRun(id, { hello: "stats" }));
    const stats = await documented<{ totals: { started: number } }>(
      "GET",
      "/api/stats",
      {},
      undefined,
      `?workflow=${id}&bucket=1h`,
    );
    expect(stats.body.totals.started).toBe(1);
    expect((await documented("GET", "/api/stats", {}, undefined, "?since=10&until=5")).status).toBe(
      400,
    );
  });

  it("a webhook's answers match theirs", async () => {
    const id = await createWorkflow({ name: "hooked", nodes: [{ id: "start", type: "start" }] });
    const set = await api<{ webhookUrl: string }>("PUT", `/api/workflows/${id}/triggers`, {
      webhook: true,
    });
    const [, workflowId, token] = new URL(set.body.webhookUrl).pathname.match(
      /^\/hooks\/([^/]+)\/([^/]+)$/,
    )!;
    const path = "/hooks/{workflowId}/{token}";
    const hook = (key: string) =>
      SELF.fetch(`https://aob.test${fill(path, { workflowId: workflowId!, token: token! })}`, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": key },
        body: JSON.stringify({ hello: "world" }),
      });
    for (const [res, status] of [
      [await hook("once"), 202],
      [await hook("once"), 200],
    ] as const) {
      expect(res.status).toBe(status);
      const schema =
        doc.paths[path]!.post!.responses[String(status)]!.content!["application/json"]!.schema;
      expect(await check(doc, schema, await res.json())).toEqual([]);
    }
    const bad = await hook("x".repeat(201));
    expect(bad.status).toBe(400);
    const schema = doc.paths[path]!.post!.responses["400"]!.content!["application/json"]!.schema;
    expect(await check(doc, schema, await bad.json())).toEqual([]);
  });
});

describe("requests the document does not change", () => {
  it("reads a JSON body sent without a JSON content type, as the API always did", async () => {
    const res = await SELF.fetch("https://aob.test/api/workflows/validate", {
      method: "POST",
      headers: {
        authorization: `Bearer ${TEST_KEY}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: JSON.stringify({ name: "curl -d", nodes: [{ id: "start", type: "start" }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ valid: true });
  });

  it("answers text that is not JSON with 400 bad_request", async () => {
    const res = await api<{ error: { code: string; message: string } }>(
      "POST",
      "/api/keys",
      "{nope",
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: "bad_request", message: "the body is not valid JSON" });
  });
});
