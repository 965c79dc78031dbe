import { describe, expect, inject, it } from "vitest";
import { poll } from "../support/poll";
import { api, count, createWorkflow, type RunBody, startRun, waitForRun } from "./helpers";

const fixture = inject("fixtureUrl");

describe("replay and run diff", () => {
  it("replays from a node: upstream outputs are reused, that node and downstream run again", async () => {
    const tag = `replay${Date.now()}`;
    const id = await createWorkflow({
      name: "replay",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "fetch",
          type: "http",
          config: { url: `${fixture}/echo/${tag}fetch?q={{ input.q }}` },
        },
        {
          id: "summarise",
          type: "transform",
          config: {
            expression:
              "'q=' & nodes.fetch.output.body.query.q & ' n=' & $string(nodes.fetch.output.body.count)",
          },
        },
        {
          id: "notify",
          type: "http",
          config: {
            method: "POST",
            url: `${fixture}/echo/${tag}notify`,
            body: { text: "{{ nodes.summarise.output }}" },
          },
        },
        {
          id: "done",
          type: "end",
          config: {
            output: {
              summary: "{{ nodes.summarise.output }}",
              posted: "{{ nodes.notify.output.body.body.text }}",
            },
          },
        },
      ],
      edges: [
        { from: "start", to: "fetch" },
        { from: "fetch", to: "summarise" },
        { from: "summarise", to: "notify" },
        { from: "notify", to: "done" },
      ],
    });
    const first = await waitForRun(await startRun(id, { q: "cats" }));
    expect(first.output).toEqual({ summary: "q=cats n=1", posted: "q=cats n=1" });

    const res = await api<{ runId: string }>("POST", `/api/runs/${first.id}/replay`, {
      fromNode: "summarise",
    });
    expect(res.status).toBe(202);
    const replay = await waitForRun(res.body.runId);
    expect(replay.status).toBe("completed");
    expect(replay.output).toEqual(first.output);
    expect(await count(`${tag}fetch`)).toBe(1); // reused, not fetched again
    expect(await count(`${tag}notify`)).toBe(2); // downstream of fromNode: executed again
    const view = await api<{ replayOf: { sourceRunId: string } }>("GET", `/api/runs/${replay.id}`);
    expect(view.body.replayOf.sourceRunId).toBe(first.id);

    type Diff = {
      b: { replayOf: { sourceRunId: string } | null };
      firstDivergence: { nodeId: string; index: number; differences: string[] } | null;
      summary: { nodes: number; same: number; different: number };
      nodes: {
        id: string;
        index: number;
        sameOutput: boolean;
        sameStatus: boolean;
        a: { output?: unknown; outputHash: string; durationMs: number | null } | null;
        b: { output?: unknown; outputHash: string } | null;
      }[];
      nextCursor: string | null;
    };
    const diff = await api<Diff>("GET", `/api/runs/${first.id}/diff/${replay.id}`);
    expect(diff.body.b.replayOf?.sourceRunId).toBe(first.id);
    // In the graph's order; the reused nodes are the same, and so is summarise (its inputs
    // were); notify was sent again and the server counted 2: the first divergence.
    expect(diff.body.nodes.map((n) => n.id)).toEqual([
      "start",
      "fetch",
      "summarise",
      "notify",
      "done",
    ]);
    const byId = Object.fromEntries(diff.body.nodes.map((n) => [n.id, n]));
    expect(byId.fetch).toMatchObject({ sameOutput: true, sameStatus: true });
    expect(byId.fetch!.a).not.toHaveProperty("output");
    expect(byId.done).toMatchObject({ sameOutput: true });
    expect(diff.body.firstDivergence).toEqual({
      nodeId: "notify",
      index: 3,
      differences: ["output"],
    });
    expect(diff.body.summary).toMatchObject({ nodes: 5, same: 4, different: 1 });
    // A differing output small enough comes inline, to be compared.
    expect(byId.notify!.a!.output).toMatchObject({ body: { count: 1 } });
    expect(byId.notify!.b!.output).toMatchObject({ body: { count: 2 } });

    // Paged, only the differences, or one node.
    const paged = await api<Diff>("GET", `/api/runs/${first.id}/diff/${replay.id}?limit=2`);
    expect(paged.body.nodes.map((n) => n.id)).toEqual(["start", "fetch"]);
    const next = await api<Diff>(
      "GET",
      `/api/runs/${first.id}/diff/${replay.id}?limit=2&cursor=${paged.body.nextCursor}`,
    );
    expect(next.body.nodes.map((n) => n.index)).toEqual([2, 3]);
    const different = await api<Diff>(
      "GET",
      `/api/runs/${first.id}/diff/${replay.id}?only=different`,
    );
    expect(different.body.nodes.map((n) => n.id)).toEqual(["notify"]);
    expect(different.body.firstDivergence?.nodeId).toBe("notify");
    const one = await api<Diff>("GET", `/api/runs/${first.id}/diff/${replay.id}?nodeId=fetch`);
    expect(one.body.nodes.map((n) => n.id)).toEqual(["fetch"]);
    const missing = await api("GET", `/api/runs/${first.id}/diff/${replay.id}?nodeId=nope`);
    expect(missing.status).toBe(404);

    // From the first node with a new input: everything runs again.
    const again = await api<{ runId: string }>("POST", `/api/runs/${first.id}/replay`, {
      fromNode: "fetch",
      input: { q: "dogs" },
    });
    const third = await waitForRun(again.body.runId);
    expect(third.output).toEqual({ summary: "q=dogs n=2", posted: "q=dogs n=2" });
    expect(await count(`${tag}fetch`)).toBe(2);
  });

  it("replays the graph the source ran: a node a patch added can be replayed", async () => {
    const tag = `replaypatched${Date.now()}`;
    const id = await createWorkflow({
      name: "patched",
      nodes: [
        { id: "start", type: "start" },
        { id: "gate", type: "approval", config: { message: "go on?" } },
      ],
      edges: [{ from: "start", to: "gate" }],
    });
    const runId = await startRun(id);
    await poll(
      "the run to wait at the gate",
      async () => (await api<RunBody>("GET", `/api/runs/${runId}`)).body.status,
      (status) => status === "waiting",
    );
    const patched = await api("POST", `/api/runs/${runId}/patches`, {
      ops: [
        {
          op: "add_node",
          node: { id: "extra", type: "http", config: { url: `${fixture}/echo/${tag}` } },
        },
        { op: "add_edge", edge: { from: "gate", to: "extra", on: "approved" } },
      ],
    });
    expect(patched.status).toBe(201);
    await api("POST", `/api/runs/${runId}/approvals/gate`, { decision: "approve" });
    const first = await waitForRun(runId);
    expect(first.nodes.find((n) => n.id === "extra")?.status).toBe("succeeded");
    expect(await count(tag)).toBe(1);

    const res = await api<{ runId: string }>("POST", `/api/runs/${runId}/replay`, {
      fromNode: "extra",
    });
    expect(res.status).toBe(202);
    const replay = await waitForRun(res.body.runId);
    // The gate's recorded decision is reused (nobody is asked again); the patched node runs.
    expect(replay.status).toBe("completed");
    expect(replay.nodes.map((n) => [n.id, n.status])).toEqual([
      ["start", "succeeded"],
      ["gate", "succeeded"],
      ["extra", "succeeded"],
    ]);
    expect(await count(tag)).toBe(2);
  });

  it("refuses an unknown node and a run that has not ended", async () => {
    const id = await createWorkflow({
      name: "waits",
      nodes: [
        { id: "start", type: "start" },
        { id: "pause", type: "delay", config: { seconds: 3600 } },
      ],
      edges: [{ from: "start", to: "pause" }],
    });
    const runId = await startRun(id);
    expect((await api("POST", `/api/runs/${runId}/replay`, { fromNode: "pause" })).status).toBe(
      409,
    );
    await api("POST", `/api/runs/${runId}/cancel`);
    const bad = await api<{ error: { details: { errors: { at: string }[] } } }>(
      "POST",
      `/api/runs/${runId}/replay`,
      {
        fromNode: "nope",
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors[0]?.at).toBe("fromNode");
  });
});
