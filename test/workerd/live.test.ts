import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ackFor, type RunEvent, ServerFrame } from "../../core/wire/frames";
import { poll } from "../support/poll";
import { api, createWorkflow, startRun } from "./helpers";
import { OTHER_KEY, TEST_KEY } from "./setup";

interface SubscribeOptions {
  after?: number;
  key?: string;
  /** Ask for a send buffer this small (`?window=`). */
  window?: number;
  /** Answer frames that ask for an ack (as every real client does); false plays a stalled one. */
  ack?: boolean;
}

/**
 * A subscriber: collects frames and their events; `until` resolves when a predicate on the
 * events holds, `ping` when the pong arrives (so every frame sent before it has arrived).
 */
async function subscribe(runId: string, opts: SubscribeOptions = {}) {
  const { after = 0, key = TEST_KEY } = opts;
  const query = `after=${after}${opts.window ? `&window=${opts.window}` : ""}`;
  const res = await SELF.fetch(`https://aob.test/api/runs/${runId}/ws?${query}`, {
    headers: { upgrade: "websocket", authorization: `Bearer ${key}` },
  });
  const ws = res.webSocket;
  const frames: ServerFrame[] = [];
  const events: RunEvent[] = [];
  /** Characters of the `events` frames received, as the server counts them (without `ack`). */
  let eventChars = 0;
  let acking = opts.ack ?? true;
  let waiter: { predicate: (e: RunEvent[]) => boolean; resolve: () => void } | null = null;
  let pong: (() => void) | null = null;
  const ack = () => {
    const last = events.at(-1);
    if (last) ws?.send(JSON.stringify({ type: "ack", seq: last.seq }));
  };
  if (ws) {
    ws.accept();
    ws.addEventListener("message", (m) => {
      const text = String(m.data);
      const frame = ServerFrame.parse(JSON.parse(text));
      frames.push(frame);
      if (frame.type === "events") eventChars += text.replace(/,"ack":true}$/, "}").length;
      if (frame.type === "pong") pong?.();
      if (frame.type === "events") events.push(...frame.events);
      const asked = ackFor(frame);
      if (asked && acking) ws.send(JSON.stringify(asked));
      if (waiter?.predicate(events)) waiter.resolve();
    });
  }
  return {
    status: res.status,
    frames,
    events,
    eventChars: () => eventChars,
    /** The `events` frames received. */
    batches: () => frames.filter((f) => f.type === "events"),
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
    ping: () =>
      new Promise<void>((resolve) => {
        pong = resolve;
        ws?.send(JSON.stringify({ type: "ping" }));
      }),
    /** Acks the last event held now, and from now on every frame that asks. */
    resumeAcking: () => {
      acking = true;
      ack();
    },
    close: () => ws?.close(1000, "done"),
  };
}

const ended = (events: RunEvent[]) =>
  events.some((e) => e.type === "run_completed" || e.type === "run_failed");

/** start → an approval gate → a chain of `n` transforms: approving it makes a burst. */
function gatedChain(name: string, n: number) {
  const chain = Array.from({ length: n }, (_, i) => ({
    id: `t${i}`,
    type: "transform",
    config: { expression: `${i}` },
  }));
  return {
    name,
    nodes: [
      { id: "start", type: "start" },
      { id: "gate", type: "approval", config: { message: "Go?" } },
      ...chain,
    ],
    edges: [
      { from: "start", to: "gate" },
      { from: "gate", to: "t0", on: "approved" },
      ...chain.slice(1).map((t, i) => ({ from: `t${i}`, to: t.id })),
    ],
  };
}

const log = async (runId: string) =>
  (await api<{ events: RunEvent[] }>("GET", `/api/runs/${runId}/events`)).body.events;

/** Every frame's events follow the previous frame's, one seq apart. */
function expectContiguous(frames: ServerFrame[], after: number) {
  let seq = after;
  for (const frame of frames) {
    if (frame.type !== "events") continue;
    for (const event of frame.events) expect(event.seq).toBe(++seq);
  }
}

describe("live events over WebSockets", () => {
  it("sends a burst as a few frames of many events, the same for every client", async () => {
    const runId = await startRun(await createWorkflow(gatedChain("burst", 20)));
    const clients = await Promise.all([subscribe(runId), subscribe(runId)]);
    await clients[0]!.until((e) => e.some((x) => x.type === "approval_required"));
    await api("POST", `/api/runs/${runId}/approvals/gate`, { decision: "approve" });
    await Promise.all(clients.map((c) => c.until(ended)));
    const all = await log(runId);
    for (const c of clients) {
      expect(c.events).toEqual(all);
      expectContiguous(c.frames, 0);
    }
    // The burst the decision starts (40-odd events of one pump turn) comes in a few frames.
    const decided = all.find((e) => e.type === "approval_decided")!.seq;
    const burst = all.filter((e) => e.seq >= decided).length;
    expect(burst).toBeGreaterThan(40);
    for (const c of clients) {
      const frames = c.batches().filter((f) => f.events.at(-1)!.seq >= decided);
      expect(frames.length).toBeLessThan(burst / 4);
    }
    for (const c of clients) c.close();
  });

  it("stops sending to a client that does not ack past its window, and catches it up after its ack", async () => {
    const runId = await startRun(await createWorkflow(gatedChain("stalled", 20)));
    const stalled = await subscribe(runId, { window: 1024, ack: false });
    const keen = await subscribe(runId, { window: 1024 });
    await keen.until((e) => e.some((x) => x.type === "approval_required"));
    await api("POST", `/api/runs/${runId}/approvals/gate`, { decision: "approve" });
    // The keen client acks and gets everything, through the same small window.
    await keen.until(ended);
    const all = await log(runId);
    expect(keen.events).toEqual(all);
    // The stalled one got what fits in half its window, then nothing: the pong comes after
    // every frame sent to it before.
    await stalled.ping();
    const held = stalled.events.length;
    expect(held).toBeLessThan(all.length);
    expect(stalled.events).toEqual(all.slice(0, held));
    expect(stalled.batches().at(-1)?.ack).toBe(true);
    // Under half the window before its last frame, and frames of at most half the window.
    expect(stalled.eventChars()).toBeLessThan(1024);
    // Its ack releases the window: it is caught up from the log, gapless and exactly once.
    stalled.resumeAcking();
    await stalled.until(ended);
    expect(stalled.events).toEqual(all);
    expectContiguous(stalled.frames, 0);
    stalled.close();
    keen.close();
  });

  it("resumes a client that reconnects with `after` = its last seq: no gap, no duplicate", async () => {
    const runId = await startRun(await createWorkflow(gatedChain("reconnect", 10)));
    await api("POST", `/api/runs/${runId}/approvals/gate`, { decision: "approve" });
    const all = await poll("the run to end", () => log(runId), ended);
    const first = await subscribe(runId, { window: 1024, ack: false });
    await first.ping();
    const held = [...first.events];
    expect(held.length).toBeLessThan(all.length);
    first.close();
    const second = await subscribe(runId, { after: held.at(-1)!.seq, window: 1024 });
    await second.until(ended);
    expect([...held, ...second.events]).toEqual(all);
    expectContiguous(second.frames, held.at(-1)!.seq);
    second.close();
  });

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
    const client = await subscribe(runId, { after: 3 });
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
    expect((await subscribe(runId, { key: OTHER_KEY })).status).toBe(404);
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
