import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signWaitUrl } from "../../platform/wait-urls";
import { poll } from "../support/poll";
import { api, createWorkflow, elapse, type RunBody, startRun, waitForRun } from "./helpers";
import { OTHER_KEY, SECOND_KEY } from "./setup";

interface Event {
  type: string;
  nodeId?: string;
  data?: Record<string, unknown>;
}

interface Sent {
  delivered: { runId: string; nodeId: string; attempt: number }[];
  kept: boolean;
  duplicates: string[];
}

/** start → (approval →) wait → end: the run's output is what the wait received, and its port. */
function waitFlow(event: string, wait: Record<string, unknown> = {}, gate = false) {
  const nodes = [
    { id: "start", type: "start" },
    ...(gate ? [{ id: "gate", type: "approval", config: { message: "go on?" } }] : []),
    { id: "w", type: "wait", config: { event, ...wait } },
    { id: "got", type: "transform", config: { expression: "nodes.w.output" } },
    { id: "late", type: "transform", config: { expression: "'timed out'" } },
    {
      id: "done",
      type: "end",
      join: "any",
      config: {
        output: "{{ $exists(nodes.got.output) ? { 'got': nodes.got.output } : nodes.late.output }}",
      },
    },
  ];
  const edges = [
    ...(gate
      ? [
          { from: "start", to: "gate" },
          { from: "gate", to: "w", on: "approved" },
        ]
      : [{ from: "start", to: "w" }]),
    { from: "w", to: "got", on: "received" },
    { from: "w", to: "late", on: "timeout" },
    { from: "got", to: "done" },
    { from: "late", to: "done" },
  ];
  return { name: `wait-${event}`, nodes, edges };
}

async function stopped(runId: string): Promise<RunBody> {
  return poll(
    `run ${runId} to stop running`,
    async () => (await api<RunBody>("GET", `/api/runs/${runId}`)).body,
    (r) => r.status !== "running",
  );
}

/** A run of `workflowId` parked on its wait node. */
async function parked(workflowId: string, input: unknown): Promise<string> {
  const runId = await startRun(workflowId, input);
  const run = await stopped(runId);
  expect(run.nodes.find((n) => n.id === "w")?.status).toBe("waiting");
  return runId;
}

async function events(runId: string): Promise<Event[]> {
  return (await api<{ events: Event[] }>("GET", `/api/runs/${runId}/events`)).body.events;
}

type Waiting = Omit<RunBody, "nodes"> & {
  nodes: (RunBody["nodes"][number] & {
    waitingFor?: { event: string; key: string | null; expiresAt: number | null };
  })[];
};

const send = (body: unknown, key?: string) => api<Sent>("POST", "/api/events", body, key);

const signed = (url: string, body?: string) =>
  SELF.fetch(`https://aob.test${url}`, {
    method: "POST",
    ...(body === undefined ? {} : { body, headers: { "content-type": "application/json" } }),
  });

describe("wait for an event", () => {
  it("delivers an event to every run waiting on its name and key, and to no other", async () => {
    const id = await createWorkflow(waitFlow("order.paid", { match: "{{ input.orderId }}" }));
    const a1 = await parked(id, { orderId: "A" });
    const a2 = await parked(id, { orderId: "A" });
    const b = await parked(id, { orderId: "B" });
    const waiting = (await api<Waiting>("GET", `/api/runs/${b}`)).body;
    expect(waiting.nodes.find((n) => n.id === "w")).toMatchObject({
      waitingFor: { event: "order.paid", key: "B", expiresAt: null },
    });

    // Another tenant's event of the same name and key reaches none of them.
    const foreign = await send({ name: "order.paid", key: "A", data: 1 }, OTHER_KEY);
    expect(foreign.body.delivered).toEqual([]);

    const sent = await send({ name: "order.paid", key: "A", data: { amount: 42 } });
    expect(sent.status).toBe(200);
    expect(sent.body.delivered.map((d) => d.runId).sort()).toEqual([a1, a2].sort());
    expect(sent.body.delivered[0]).toMatchObject({ nodeId: "w", attempt: 1 });
    for (const runId of [a1, a2]) {
      const run = await waitForRun(runId);
      expect(run.status).toBe("completed");
      expect(run.output).toEqual({ got: { amount: 42 } });
    }
    expect((await api<RunBody>("GET", `/api/runs/${b}`)).body.status).toBe("waiting");

    // The same event again finds no one (the A runs ended); B's key takes B's run.
    expect((await send({ name: "order.paid", key: "A", data: 2 })).body.delivered).toEqual([]);
    const toB = await send({ name: "order.paid", key: "B", data: "b" });
    expect(toB.body.delivered).toEqual([{ runId: b, nodeId: "w", attempt: 1 }]);
    expect((await waitForRun(b)).output).toEqual({ got: "b" });
  });

  it("keeps an event sent to a run before its wait, and hands it over when the wait opens", async () => {
    const id = await createWorkflow(waitFlow("doc.signed", { match: "{{ input.doc }}" }, true));
    const runId = await startRun(id, { doc: "d-7" });
    expect((await stopped(runId)).status).toBe("waiting");

    const kept = await send({
      name: "doc.signed",
      key: "d-7",
      runId,
      data: { signer: "ana" },
      idempotencyKey: "sig-1",
    });
    expect(kept.body).toEqual({ delivered: [], kept: true, duplicates: [] });
    // The sender's retry changes nothing.
    const again = await send({
      name: "doc.signed",
      key: "d-7",
      runId,
      data: 0,
      idempotencyKey: "sig-1",
    });
    expect(again.body).toEqual({ delivered: [], kept: false, duplicates: [runId] });
    // Another key is kept apart: it is not this wait's.
    await send({ name: "doc.signed", key: "d-8", runId, data: "other" });

    await api("POST", `/api/runs/${runId}/approvals/gate`, { decision: "approve" });
    const run = await waitForRun(runId);
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ got: { signer: "ana" } });
    const received = (await events(runId)).find(
      (e) => e.type === "node_succeeded" && e.nodeId === "w",
    );
    expect(received?.data).toMatchObject({ port: "received" });
  });

  it("completes a wait through its signed URL once, without an API key", async () => {
    const id = await createWorkflow(waitFlow("callback"));
    const runId = await parked(id, {});
    const waitingEvent = (await events(runId)).find(
      (e) => e.type === "node_waiting" && e.nodeId === "w",
    );
    const url = waitingEvent?.data?.url as string;
    expect(url).toMatch(/^\/api\/events\/signed\/[\w-]+\.[\w-]+$/);

    // A token changed by one character is not this aob's. The signature's first character, not
    // its last: the last one's two low bits are padding, so when it was "A" the "forged" "B"
    // decoded to the same signature and was accepted (one run in 16).
    const at = url.lastIndexOf(".") + 1;
    const swapped = url[at] === "A" ? "B" : "A";
    const forged = await signed(`${url.slice(0, at)}${swapped}${url.slice(at + 1)}`, "{}");
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("forbidden");

    const first = await signed(url, JSON.stringify({ ok: true }));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ runId, nodeId: "w", attempt: 1 });
    expect((await waitForRun(runId)).output).toEqual({ got: { ok: true } });

    const second = await signed(url, JSON.stringify({ ok: false }));
    expect(second.status).toBe(409);
    expect((await waitForRun(runId)).output).toEqual({ got: { ok: true } });
  });

  it("refuses an expired signed URL with 410, and a body that is not JSON with 400", async () => {
    const id = await createWorkflow(waitFlow("late.url"));
    const runId = await parked(id, {});
    const claim = { tenantId: "t_a", runId, nodeId: "w", attempt: 1 };
    const expired = await signWaitUrl(env, { ...claim, expiresAt: Date.now() - 1000 });
    const gone = await signed(expired!, "{}");
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe("expired");

    const valid = await signWaitUrl(env, { ...claim, expiresAt: Date.now() + 60_000 });
    expect((await signed(valid!, "{not json")).status).toBe(400);
    expect((await api<RunBody>("GET", `/api/runs/${runId}`)).body.status).toBe("waiting");
  });

  it("takes the timeout port when no event comes in time", async () => {
    const id = await createWorkflow(waitFlow("never", { timeoutSeconds: 60 }));
    const runId = await parked(id, {});
    const run = (await api<Waiting>("GET", `/api/runs/${runId}`)).body;
    expect(run.nodes.find((n) => n.id === "w")?.waitingFor?.expiresAt).toBeGreaterThan(Date.now());
    await elapse(runId);
    const ended = await waitForRun(runId);
    expect(ended.output).toBe("timed out");
    expect(ended.nodes.find((n) => n.id === "w")).toMatchObject({
      status: "succeeded",
      output: null,
    });
    // Too late: the run has ended.
    const late = await send({ name: "never", runId, data: 1 });
    expect(late.status).toBe(409);
    expect((late.body as unknown as { error: { code: string } }).error.code).toBe("run_finished");
  });

  it("refuses bad events with the path of what is wrong, and events without the run scope", async () => {
    const bad = await api<{ error: { details: { errors: { at: string }[] } } }>(
      "POST",
      "/api/events",
      { name: "has space", key: "", extra: 1 },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors.map((e) => e.at).sort()).toEqual([
      "(root)",
      "key",
      "name",
    ]);

    const missing = await send({ name: "x", runId: "run_nope" });
    expect(missing.status).toBe(404);
    // A key with read and approve only.
    expect((await send({ name: "x" }, SECOND_KEY)).status).toBe(403);

    const invalid = await api<{ error: { details: { errors: { at: string }[] } } }>(
      "POST",
      "/api/workflows",
      waitFlow("bad name!"),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.errors[0]?.at).toBe("nodes[1].config.event");
  });

  it("keeps at most 100 events for a run, then refuses with 409", async () => {
    const id = await createWorkflow(waitFlow("flood", {}, true));
    const runId = await startRun(id, {});
    expect((await stopped(runId)).status).toBe("waiting");
    for (let i = 0; i < 100; i++) {
      expect((await send({ name: "other", runId, data: i })).body.kept).toBe(true);
    }
    const full = await send({ name: "flood", runId, data: "lost?" });
    expect(full.status).toBe(409);
    expect((full.body as unknown as { error: { message: string } }).error.message).toMatch(
      /keeps 100 events/,
    );
  });
});
