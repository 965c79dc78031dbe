import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { RunEvent, ServerFrame } from "../../core/wire/frames";
import { api, createWorkflow, startRun } from "./helpers";
import { OTHER_KEY, TEST_KEY } from "./setup";

/** A subscriber: collects frames; `until` resolves when a predicate on the events holds. */
async function subscribe(runId: string, after = 0, key = TEST_KEY) {
  const res = await SELF.fetch(`https://aob.test/api/runs/${runId}/ws?after=${after}`, {
    headers: { upgrade: "websocket", authorization: `Bearer ${key}` },
  });
  const ws = res.webSocket;
  if (!ws)
    return {
      status: res.status,
      events: [] as RunEvent[],
      frames: [] as ServerFrame[],
      until: async () => {},
      close: () => {},
    };
  ws.accept();
  const frames: ServerFrame[] = [];
  const events: RunEvent[] = [];
  let waiter: { predicate: (e: RunEvent[]) => boolean; resolve: () => void } | null = null;
  ws.addEventListener("message", (m) => {
    const frame = JSON.parse(String(m.data)) as ServerFrame;
    frames.push(frame);
    if (frame.type === "event") events.push(frame.event);
    if (waiter?.predicate(events)) waiter.resolve();
  });
  return {
    status: res.status,
    frames,
    events,
    until: (predicate: (e: RunEvent[]) => boolean) =>
      new Promise<void>((resolve, reject) => {
        if (predicate(events)) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`not seen; got ${events.map((e) => e.type)}`)),
          10_000,
        );
        waiter = {
          predicate,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      }),
    close: () => ws.close(1000, "done"),
  };
}

const ended = (events: RunEvent[]) =>
  events.some((e) => e.type === "run_completed" || e.type === "run_failed");

describe("live events over WebSockets", () => {
  it("sends the backlog, then live events, gapless and in order", async () => {
    const id = await createWorkflow({
      name: "live",
      nodes: [
        { id: "start", type: "start" },
        { id: "pause", type: "delay", config: { seconds: 0.05 } },
        { id: "done", type: "end", config: { output: "ok" } },
      ],
      edges: [
        { from: "start", to: "pause" },
        { from: "pause", to: "done" },
      ],
    });
    const runId = await startRun(id);
    const client = await subscribe(runId);
    expect(client.status).toBe(101);
    await client.until(ended);
    expect(client.frames[0]).toMatchObject({ type: "hello", runId });
    const seqs = client.events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    const log = await api<{ events: RunEvent[] }>("GET", `/api/runs/${runId}/events`);
    expect(client.events).toEqual(log.body.events);
    client.close();
  });

  it("resumes from `after` with every later event exactly once", async () => {
    const id = await createWorkflow({
      name: "resume",
      nodes: [
        { id: "start", type: "start" },
        { id: "a", type: "transform", config: { expression: "1" } },
        { id: "b", type: "transform", config: { expression: "2" } },
      ],
      edges: [
        { from: "start", to: "a" },
        { from: "a", to: "b" },
      ],
    });
    const runId = await startRun(id);
    const all = (await api<{ events: RunEvent[] }>("GET", `/api/runs/${runId}/events`)).body.events;
    const client = await subscribe(runId, 3);
    await client.until((e) => e.length === all.length - 3);
    expect(client.events).toEqual(all.slice(3));
    client.close();
  });

  it("is authenticated and tenant-scoped", async () => {
    const id = await createWorkflow({
      name: "auth",
      nodes: [{ id: "start", type: "start" }],
      edges: [],
    });
    const runId = await startRun(id);
    const anonymous = await SELF.fetch(`https://aob.test/api/runs/${runId}/ws`, {
      headers: { upgrade: "websocket" },
    });
    expect(anonymous.status).toBe(401);
    expect((await subscribe(runId, 0, OTHER_KEY)).status).toBe(404);
  });

  it("gives 50 concurrent clients the same ordered sequence", async () => {
    const id = await createWorkflow({
      name: "fifty",
      nodes: [
        { id: "start", type: "start" },
        { id: "pause", type: "delay", config: { seconds: 0.1 } },
        { id: "a", type: "transform", config: { expression: "1" } },
        { id: "b", type: "transform", config: { expression: "2" } },
        { id: "done", type: "end" },
      ],
      edges: [
        { from: "start", to: "pause" },
        { from: "pause", to: "a" },
        { from: "pause", to: "b" },
        { from: "a", to: "done" },
        { from: "b", to: "done" },
      ],
    });
    const runId = await startRun(id);
    const clients = await Promise.all(Array.from({ length: 50 }, () => subscribe(runId)));
    await Promise.all(clients.map((c) => c.until(ended)));
    const reference = JSON.stringify(clients[0]?.events);
    for (const c of clients) expect(JSON.stringify(c.events)).toBe(reference);
    expect(clients[0]?.events.at(-1)?.type).toBe("run_completed");
    for (const c of clients) c.close();
  });

  it("shows a live client the approval request, then the branch the decision chose", async () => {
    const id = await createWorkflow({
      name: "live approval",
      nodes: [
        { id: "start", type: "start" },
        { id: "gate", type: "approval", config: { message: "Go?" } },
        { id: "yes", type: "transform", config: { expression: "'went'" } },
        { id: "no", type: "transform", config: { expression: "'stayed'" } },
      ],
      edges: [
        { from: "start", to: "gate" },
        { from: "gate", to: "yes", on: "approved" },
        { from: "gate", to: "no", on: "rejected" },
      ],
    });
    const runId = await startRun(id);
    const client = await subscribe(runId);
    await client.until((e) => e.some((x) => x.type === "approval_required"));
    expect(
      (await api("POST", `/api/runs/${runId}/approvals/gate`, { decision: "approve" })).status,
    ).toBe(200);
    await client.until(ended);
    const types = client.events.map((e) => `${e.type}${e.nodeId ? `:${e.nodeId}` : ""}`);
    expect(types).toEqual(
      expect.arrayContaining([
        "approval_required:gate",
        "approval_decided:gate",
        "node_succeeded:yes",
        "node_skipped:no",
      ]),
    );
    expect(types.indexOf("approval_decided:gate")).toBeLessThan(
      types.indexOf("node_succeeded:yes"),
    );
    client.close();
  });
});
