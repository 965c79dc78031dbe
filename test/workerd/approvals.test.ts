import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RunObject } from "../../durable-objects/run/RunObject";
import { poll } from "../support/poll";
import { api, createWorkflow, type RunBody, startRun, waitForRun } from "./helpers";
import { SECOND_KEY } from "./setup";

interface Event {
  seq: number;
  type: string;
  nodeId?: string;
  data?: Record<string, unknown>;
}

const approvalFlow = (config: Record<string, unknown>) => ({
  name: "approval",
  nodes: [
    { id: "start", type: "start" },
    { id: "review", type: "approval", config: { message: "Ship {{ input.item }}?", ...config } },
    { id: "ship", type: "transform", config: { expression: "'shipped ' & input.item" } },
    { id: "drop", type: "transform", config: { expression: "'dropped'" } },
    { id: "late", type: "transform", config: { expression: "'too late'" } },
    {
      id: "done",
      type: "end",
      config: {
        output: {
          result:
            "{{ $exists(nodes.ship.output) ? nodes.ship.output : $exists(nodes.drop.output) ? nodes.drop.output : nodes.late.output }}",
          review: "{{ nodes.review.output }}",
        },
      },
    },
  ],
  edges: [
    { from: "start", to: "review" },
    { from: "review", to: "ship", on: "approved" },
    { from: "review", to: "drop", on: "rejected" },
    { from: "review", to: "late", on: "timeout" },
    { from: "ship", to: "done" },
    { from: "drop", to: "done" },
    { from: "late", to: "done" },
  ],
  ...{},
});

const withAnyJoin = (def: ReturnType<typeof approvalFlow>) => ({
  ...def,
  nodes: def.nodes.map((n) => (n.id === "done" ? { ...n, join: "any" } : n)),
});

async function events(runId: string): Promise<Event[]> {
  return (await api<{ events: Event[] }>("GET", `/api/runs/${runId}/events`)).body.events;
}

async function waiting(config: Record<string, unknown> = {}, input = { item: "crate" }) {
  const id = await createWorkflow(withAnyJoin(approvalFlow(config)));
  const runId = await startRun(id, input);
  // start answers once the run is committed; its inline steps follow at once.
  const run = await poll(
    `run ${runId} to stop running`,
    async () => (await api<RunBody>("GET", `/api/runs/${runId}`)).body,
    (r) => r.status !== "running",
  );
  expect(run.status).toBe("waiting");
  return runId;
}

interface InboxEntry {
  runId: string;
  nodeId: string;
  status: string;
  message: string;
  iteration: number | null;
  parent: { runId: string; nodeId: string; item?: number } | null;
}

async function inboxOf(status: string): Promise<InboxEntry[]> {
  return (await api<{ approvals: InboxEntry[] }>("GET", `/api/approvals?status=${status}`)).body
    .approvals;
}

async function inbox(status = "pending") {
  // The inbox is D1, written in the background: read it until it settles (bounded).
  return (
    await api<{ approvals: { runId: string; nodeId: string; status: string; message: string }[] }>(
      "GET",
      `/api/approvals?status=${status}`,
    )
  ).body.approvals;
}

describe("approvals", () => {
  it("waits, announces itself, and continues down the approved branch", async () => {
    const runId = await waiting();
    const required = (await events(runId)).find((e) => e.type === "approval_required");
    expect(required).toMatchObject({
      nodeId: "review",
      data: { message: "Ship crate?", required: 1 },
    });
    const listed = await poll("the approval in the inbox", inbox, (list) =>
      list.some((a) => a.runId === runId),
    );
    expect(listed.find((a) => a.runId === runId)).toMatchObject({
      nodeId: "review",
      message: "Ship crate?",
    });

    const res = await api<{ status: string; votes: { by: string }[] }>(
      "POST",
      `/api/runs/${runId}/approvals/review`,
      {
        decision: "approve",
        comment: "looks good",
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("approved");
    // Answered once the inbox has it: the list read next no longer holds it (no waiting).
    expect((await inbox()).some((a) => a.runId === runId)).toBe(false);
    const run = await waitForRun(runId);
    expect(run.status).toBe("completed");
    expect(run.output).toMatchObject({
      result: "shipped crate",
      review: { decision: "approved", by: ["first approver"], comment: "looks good" },
    });
    expect(run.nodes.find((n) => n.id === "drop")?.status).toBe("skipped");
    const decided = (await events(runId)).find((e) => e.type === "approval_decided");
    expect(decided?.data).toMatchObject({
      decision: "approved",
      by: "first approver",
      comment: "looks good",
    });
    const gone = await poll(
      "the approval to leave the inbox",
      inbox,
      (list) => !list.some((a) => a.runId === runId),
    );
    expect(gone.some((a) => a.runId === runId)).toBe(false);
    const row = await env.DB.prepare("SELECT status, votes FROM approvals WHERE run_id = ?")
      .bind(runId)
      .first<{ status: string; votes: string }>();
    expect(row?.status).toBe("approved");
    expect(JSON.parse(row?.votes ?? "[]")).toMatchObject([
      { by: "first approver", decision: "approve" },
    ]);
  });

  it("refuses a second decision and changes nothing", async () => {
    const runId = await waiting();
    await api("POST", `/api/runs/${runId}/approvals/review`, { decision: "reject" });
    const run = await waitForRun(runId);
    expect(run.output).toMatchObject({ result: "dropped" });
    const before = await events(runId);
    const again = await api<{ error: { code: string; message: string } }>(
      "POST",
      `/api/runs/${runId}/approvals/review`,
      {
        decision: "approve",
      },
    );
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already decided \(rejected\)/);
    expect(await events(runId)).toEqual(before);
    expect((await waitForRun(runId)).output).toEqual(run.output);
  });

  it("refuses a node that is not an approval, one that is not waiting, and one that does not exist", async () => {
    const runId = await waiting();
    expect(
      (await api("POST", `/api/runs/${runId}/approvals/ship`, { decision: "approve" })).status,
    ).toBe(409);
    expect(
      (await api("POST", `/api/runs/${runId}/approvals/nope`, { decision: "approve" })).status,
    ).toBe(404);
    expect(
      (await api("POST", `/api/runs/${runId}/approvals/constructor`, { decision: "approve" }))
        .status,
    ).toBe(404);
    expect(
      (await api("POST", `/api/runs/${runId}/approvals/review`, { decision: "maybe" })).status,
    ).toBe(400);
    expect((await api<RunBody>("GET", `/api/runs/${runId}`)).body.status).toBe("waiting");
  });

  it("takes the timeout branch when its alarm fires", async () => {
    const runId = await waiting({ timeoutSeconds: 3600 });
    const stub: DurableObjectStub<RunObject> = env.RUNS.get(env.RUNS.idFromName(runId));
    await runInDurableObject(stub, (_obj, state) => {
      state.storage.sql.exec("UPDATE timers SET at = 0");
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const run = await waitForRun(runId);
    expect(run.output).toMatchObject({
      result: "too late",
      review: { decision: "timeout", timedOut: true },
    });
    const late = await api("POST", `/api/runs/${runId}/approvals/review`, { decision: "approve" });
    expect(late.status).toBe(409);
  });

  it("needs two distinct approvers for a quorum of 2", async () => {
    const runId = await waiting({ required: 2 });
    const first = await api<{ status: string }>("POST", `/api/runs/${runId}/approvals/review`, {
      decision: "approve",
    });
    expect(first.body.status).toBe("pending");
    expect((await api<RunBody>("GET", `/api/runs/${runId}`)).body.status).toBe("waiting");
    const twice = await api("POST", `/api/runs/${runId}/approvals/review`, { decision: "approve" });
    expect(twice.status).toBe(409);
    const second = await api<{ status: string }>(
      "POST",
      `/api/runs/${runId}/approvals/review`,
      { decision: "approve" },
      SECOND_KEY,
    );
    expect(second.body.status).toBe("approved");
    const run = await waitForRun(runId);
    expect(run.output).toMatchObject({ review: { by: ["first approver", "second approver"] } });
    expect((await events(runId)).filter((e) => e.type === "approval_voted")).toHaveLength(1);
  });

  it("validates form data against the approval's JSON Schema", async () => {
    const form = {
      type: "object",
      properties: { quantity: { type: "integer", minimum: 1 } },
      required: ["quantity"],
    };
    const runId = await waiting({ form });
    const bad = await api<{ error: { code: string; details: { errors: { path: unknown[] }[] } } }>(
      "POST",
      `/api/runs/${runId}/approvals/review`,
      { decision: "approve", data: { quantity: 0 } },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors.map((e) => e.path)).toContainEqual(["data", "quantity"]);
    expect((await api<RunBody>("GET", `/api/runs/${runId}`)).body.status).toBe("waiting");
    const ok = await api("POST", `/api/runs/${runId}/approvals/review`, {
      decision: "approve",
      data: { quantity: 3 },
    });
    expect(ok.status).toBe(200);
    const run = await waitForRun(runId);
    expect(run.output).toMatchObject({ review: { data: { quantity: 3 } } });
  });

  it("asks again in each turn of a loop, each request naming its iteration", async () => {
    const id = await createWorkflow({
      name: "loop-approval",
      nodes: [
        { id: "start", type: "start" },
        { id: "ask", type: "approval", config: { message: "good enough?" } },
        {
          id: "again",
          type: "condition",
          config: { expression: "nodes.ask.output.decision = 'rejected'" },
        },
        { id: "done", type: "end", config: { output: "{{ nodes.ask.output.decision }}" } },
      ],
      edges: [
        { from: "start", to: "ask" },
        { from: "ask", to: "again", on: "approved" },
        { from: "ask", to: "again", on: "rejected" },
        { from: "again", to: "ask", on: "true", loop: { maxIterations: 3 } },
        { from: "again", to: "done", on: "false" },
      ],
    });
    const runId = await startRun(id, {});
    const mine = async () => (await inboxOf("pending")).filter((a) => a.runId === runId);
    const first = await poll("the first request", mine, (l) => l.length === 1);
    expect(first[0]).toMatchObject({ nodeId: "ask", iteration: 0, parent: null });
    await api("POST", `/api/runs/${runId}/approvals/ask`, { decision: "reject" });
    const second = await poll("the second turn's request", mine, (l) => l[0]?.iteration === 1);
    expect(second).toHaveLength(1);
    await api("POST", `/api/runs/${runId}/approvals/ask`, { decision: "approve" });
    const ended = await waitForRun(runId);
    expect(ended.output, JSON.stringify(ended)).toBe("approved");
    const view = (
      await api<{ approvals: { iteration?: number; status: string }[] }>(
        "GET",
        `/api/runs/${runId}`,
      )
    ).body;
    expect(view.approvals.map((a) => [a.iteration, a.status])).toEqual([
      [0, "rejected"],
      [1, "approved"],
    ]);
  });

  it("shows a child run's approvals with their parent and item: three pending at once in a map, decided out of order", async () => {
    await createWorkflow({
      name: "approve-one",
      nodes: [
        { id: "start", type: "start" },
        { id: "gate", type: "approval", config: { message: "ship {{ input.n }}?" } },
        { id: "done", type: "end", config: { output: "{{ input.n * 10 }}" } },
      ],
      edges: [
        { from: "start", to: "gate" },
        { from: "gate", to: "done", on: "approved" },
      ],
    });
    const id = await createWorkflow({
      name: "approve-each",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "each",
          type: "map",
          config: {
            items: "[1, 2, 3]",
            concurrency: 3,
            node: {
              type: "subworkflow",
              config: { workflow: "approve-one", input: { n: "{{ item }}" } },
            },
          },
        },
        { id: "done", type: "end", config: { output: "{{ nodes.each.output }}" } },
      ],
      edges: [
        { from: "start", to: "each" },
        { from: "each", to: "done" },
      ],
    });
    const runId = await startRun(id, {});
    const mine = async () => (await inboxOf("pending")).filter((a) => a.parent?.runId === runId);
    const pending = await poll("three pending approvals", mine, (l) => l.length === 3);
    const byItem = new Map(pending.map((a) => [a.parent!.item!, a]));
    expect([...byItem.keys()].sort()).toEqual([0, 1, 2]);
    for (const [item, a] of byItem) {
      expect(a).toMatchObject({ nodeId: "gate", parent: { runId, nodeId: "each" } });
      expect(a.message).toBe(`ship ${item + 1}?`);
    }
    for (const item of [2, 0, 1]) {
      const a = byItem.get(item)!;
      const res = await api("POST", `/api/runs/${a.runId}/approvals/gate`, { decision: "approve" });
      expect(res.status).toBe(200);
    }
    const run = await waitForRun(runId);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual([10, 20, 30]);
  });
});
