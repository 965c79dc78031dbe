import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import hello from "../../samples/hello.json";
import { poll } from "../support/poll";
import { api, createWorkflow, type RunBody, startRun, waitForRun } from "./helpers";
import { OTHER_KEY, SECOND_KEY } from "./setup";

describe("workflow endpoints", () => {
  it("serves the node registry with a JSON Schema per kind", async () => {
    const res = await api<{
      nodeTypes: { type: string; status: string; configSchema: { type?: string } }[];
    }>("GET", "/api/node-types");
    expect(res.status).toBe(200);
    const byType = Object.fromEntries(res.body.nodeTypes.map((k) => [k.type, k]));
    for (const t of [
      "start",
      "end",
      "http",
      "transform",
      "condition",
      "switch",
      "join",
      "delay",
      "map",
    ]) {
      expect(byType[t]?.status, t).toBe("active");
      expect(byType[t]?.configSchema.type, t).toBe("object");
    }
    expect(byType.agent?.status).toBe("active");
    expect(byType.subworkflow?.status).toBe("active");
  });

  it("creates, reads, versions and deletes a workflow", async () => {
    const id = await createWorkflow(hello);
    const v2 = await api<{ version: number }>("PUT", `/api/workflows/${id}`, {
      ...hello,
      description: "second",
    });
    expect(v2.body.version).toBe(2);
    const latest = await api<{ version: number; definition: { description: string } }>(
      "GET",
      `/api/workflows/${id}`,
    );
    expect(latest.body.version).toBe(2);
    expect(latest.body.definition.description).toBe("second");
    const first = await api<{ definition: { description: string } }>(
      "GET",
      `/api/workflows/${id}/versions/1`,
    );
    expect(first.body.definition.description).toBe(hello.description);
    const versions = await api<{ versions: { version: number }[] }>(
      "GET",
      `/api/workflows/${id}/versions`,
    );
    expect(versions.body.versions.map((v) => v.version)).toEqual([2, 1]);
    expect((await api("DELETE", `/api/workflows/${id}`)).status).toBe(204);
    expect((await api("GET", `/api/workflows/${id}`)).status).toBe(404);
  });

  it("validates without storing, with a path and reason per problem", async () => {
    const res = await api<{ valid: boolean; errors: { at: string; message: string }[] }>(
      "POST",
      "/api/workflows/validate",
      {
        name: "x",
        nodes: [
          { id: "start", type: "start" },
          { id: "Bad-Id", type: "transform", config: { expression: "1" } },
          { id: "call", type: "http", config: {} },
        ],
        edges: [{ from: "start", to: "call" }],
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(false);
    expect(res.body.errors.map((e) => e.at)).toEqual(
      expect.arrayContaining(["nodes[1].id", "nodes[2].config.url"]),
    );
  });

  it("refuses a body that is not JSON, and one over its route's size limit", async () => {
    expect((await api("POST", "/api/workflows", "{not json")).status).toBe(400);
    // A definition may be 8 MiB; every other body 1 MiB.
    const huge = { name: "x".repeat(9 * 1024 * 1024), nodes: [] };
    const res = await api<{ error: { code: string; message: string } }>(
      "POST",
      "/api/workflows",
      huge,
    );
    expect(res.status).toBe(413);
    expect(res.body.error).toEqual({
      code: "payload_too_large",
      message: "request body (a workflow definition) exceeds 8388608 bytes",
    });
    const id = await createWorkflow(hello);
    const start = await api<{ error: { code: string; message: string } }>(
      "POST",
      `/api/workflows/${id}/runs`,
      { input: { name: "x".repeat(2 * 1024 * 1024) } },
    );
    expect(start.status).toBe(413);
    expect(start.body.error.message).toBe("request body exceeds 1048576 bytes");
  });

  it("keeps tenants apart: another tenant's workflow and run answer 404", async () => {
    const id = await createWorkflow(hello);
    const runId = await startRun(id, { name: "x" });
    expect((await api("GET", `/api/workflows/${id}`, undefined, OTHER_KEY)).status).toBe(404);
    expect((await api("POST", `/api/workflows/${id}/runs`, {}, OTHER_KEY)).status).toBe(404);
    expect((await api("GET", `/api/runs/${runId}`, undefined, OTHER_KEY)).status).toBe(404);
    expect((await api("GET", `/api/runs/${runId}/events`, undefined, OTHER_KEY)).status).toBe(404);
    expect((await api("POST", `/api/runs/${runId}/cancel`, undefined, OTHER_KEY)).status).toBe(404);
    const list = await api<{ runs: { id: string }[] }>("GET", "/api/runs", undefined, OTHER_KEY);
    expect(list.body.runs.map((r) => r.id)).not.toContain(runId);
  });
});

describe("runs: kinds, projection and content-addressed outputs", () => {
  it("routes a switch by value, and skips an unknown kind with a warning while the run goes on", async () => {
    const id = await createWorkflow({
      name: "switch",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "route",
          type: "switch",
          config: { expression: "input.color", cases: ["red", "green"] },
        },
        { id: "red", type: "transform", config: { expression: "'stop'" } },
        { id: "other", type: "transform", config: { expression: "'unknown colour'" } },
        { id: "future", type: "quantum_teleport", config: {} },
        {
          id: "done",
          type: "end",
          config: {
            output: {
              red: "{{ nodes.red.output }}",
              other: "{{ nodes.other.output }}",
              future: "{{ nodes.future.output }}",
            },
          },
        },
      ],
      edges: [
        { from: "start", to: "route" },
        { from: "route", to: "red", on: "red" },
        { from: "route", to: "other", on: "default" },
        { from: "red", to: "future" },
        { from: "other", to: "future" },
        { from: "future", to: "done" },
      ],
    });
    const blue = await waitForRun(await startRun(id, { color: "blue" }));
    expect(blue.status).toBe("completed");
    expect(blue.output).toEqual({ red: null, other: "unknown colour", future: null });
    expect(blue.nodes.find((n) => n.id === "future")?.status).toBe("skipped");
    const events = await api<{
      events: { type: string; nodeId?: string; data?: { warning?: string } }[];
    }>("GET", `/api/runs/${blue.id}/events`);
    const skipped = events.body.events.find(
      (e) => e.type === "node_skipped" && e.nodeId === "future",
    );
    expect(skipped?.data?.warning).toMatch(/quantum_teleport/);
    const red = await waitForRun(await startRun(id, { color: "red" }));
    expect(red.output).toMatchObject({ red: "stop", other: null });
  });

  it("records the run and its node executions in D1, and outputs in R2 by content hash", async () => {
    const id = await createWorkflow(hello);
    const run = await waitForRun(await startRun(id, { name: "Grace" }));
    const row = await env.DB.prepare("SELECT status, output_hash FROM runs WHERE id = ?")
      .bind(run.id)
      .first<{ status: string; output_hash: string }>();
    expect(row?.status).toBe("completed");
    const executions = await env.DB.prepare(
      "SELECT node_id, status FROM node_executions WHERE run_id = ? ORDER BY node_id",
    )
      .bind(run.id)
      .all<{ node_id: string; status: string }>();
    expect(executions.results.map((e) => e.node_id)).toEqual([
      "done",
      "greet",
      "is_long",
      "merge",
      "start",
      "whisper",
    ]);
    const full = (await api<RunBody & { outputHash: string }>("GET", `/api/runs/${run.id}`)).body;
    expect(row?.output_hash).toBe(full.outputHash);
    // The outbox is flushed in the background: read until the blob is there (bounded).
    const blob = await poll(
      `the output blob ${full.outputHash} in R2`,
      () => env.BLOBS.get(`cas/sha256/${full.outputHash}`),
      (b) => b !== null,
      { show: (b) => (b ? "a blob" : "none") },
    );
    expect(JSON.parse((await blob?.text()) ?? "null")).toEqual(full.output);
    const digest = await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(JSON.stringify(full.output)),
    );
    const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(hex).toBe(full.outputHash); // keys sorted: {"greeting","styled"} is already canonical
    const served = await api("GET", `/api/blobs/${full.outputHash}`);
    expect(served.status).toBe(200);
    expect(served.body).toEqual(full.output);
    expect((await api("GET", `/api/blobs/${full.outputHash}`, undefined, OTHER_KEY)).status).toBe(
      404,
    );
    expect((await api("GET", "/api/blobs/nothex")).status).toBe(400);
  });
});

describe("scopes", () => {
  it("lets a read-and-approve key read but not change workflows or start runs", async () => {
    const id = await createWorkflow(hello);
    expect((await api("GET", `/api/workflows/${id}`, undefined, SECOND_KEY)).status).toBe(200);
    const start = await api<{ error: { code: string; message: string } }>(
      "POST",
      `/api/workflows/${id}/runs`,
      {},
      SECOND_KEY,
    );
    expect(start.status).toBe(403);
    expect(start.body.error.message).toMatch(/"run" scope/);
    expect((await api("PUT", `/api/workflows/${id}`, hello, SECOND_KEY)).status).toBe(403);
    expect((await api("DELETE", `/api/workflows/${id}`, undefined, SECOND_KEY)).status).toBe(403);
    const runs = await api<{ runs: { workflowId: string }[] }>("GET", `/api/runs?workflowId=${id}`);
    expect(runs.body.runs).toHaveLength(0);
  });
});
