import { describe, expect, it } from "vitest";
import { poll } from "../support/poll";
import { api, createWorkflow, elapse, type RunBody, startRun, stubOf, waitForRun } from "./helpers";
import { OTHER_KEY } from "./setup";

/*
 * Sub-workflows (docs/COMPOSITION.md): a subworkflow node starts a child run of another
 * workflow, waits for it, and takes its output; a failed child fails the node so its error edge
 * applies; cancelling a parent cancels its children, two levels down.
 */

type View = Omit<RunBody, "nodes"> & {
  nodes: (RunBody["nodes"][number] & { childRunId?: string })[];
  parent?: {
    runId: string;
    nodeId: string;
    attempt: number;
    depth: number;
    item?: { index: number; attempt: number };
  };
  usage: { budget?: { tokens?: number; costUsd?: number } };
};

const read = async (runId: string, key?: string) =>
  (await api<View>("GET", `/api/runs/${runId}`, undefined, key)).body;
/**
 * The child run of a node. A parent names its child before the child's row exists, so a read
 * of that child may answer 404 for a moment: an answer without nodes has no child yet.
 */
const childOf = (run: View, nodeId: string) => run.nodes?.find((n) => n.id === nodeId)?.childRunId;

/** start → work (a transform of the input) → done. */
const child = (name: string, expression: string) => ({
  name,
  nodes: [
    { id: "start", type: "start" },
    { id: "work", type: "transform", config: { expression } },
    { id: "done", type: "end", config: { output: "{{ nodes.work.output }}" } },
  ],
  edges: [
    { from: "start", to: "work" },
    { from: "work", to: "done" },
  ],
});

/** start → sub (runs `workflow`) → done; a failed sub goes to `handled`. */
const parent = (name: string, workflow: string) => ({
  name,
  nodes: [
    { id: "start", type: "start" },
    {
      id: "sub",
      type: "subworkflow",
      config: { workflow, input: { n: "{{ input.n }}", from: "parent" } },
    },
    { id: "done", type: "end", config: { output: { child: "{{ nodes.sub.output }}" } } },
    { id: "handled", type: "end", config: { output: { handled: true } } },
  ],
  edges: [
    { from: "start", to: "sub" },
    { from: "sub", to: "done" },
    { from: "sub", to: "handled", on: "error" },
  ],
});

describe("sub-workflows", { timeout: 30_000 }, () => {
  it("runs a child by name, waits for it and takes its output; parent and child link to each other", async () => {
    const tag = `sub${Date.now()}`;
    await createWorkflow(child(`double ${tag}`, "{ 'twice': input.n * 2, 'from': input.from }"));
    const wf = await createWorkflow(parent(`calls ${tag}`, `double ${tag}`));
    // A parent's budget bounds its children: the child gets what is left of it.
    const started = await api<{ runId: string }>("POST", `/api/workflows/${wf}/runs`, {
      input: { n: 21 },
      budget: { tokens: 500 },
    });
    const runId = started.body.runId;
    const run = (await waitForRun(runId)) as View;
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual({ child: { twice: 42, from: "parent" } });
    const childId = childOf(run, "sub")!;
    expect(childId).toMatch(/^run_/);
    const childRun = await read(childId);
    expect(childRun.status).toBe("completed");
    expect(childRun.parent).toEqual({
      runId,
      nodeId: "sub",
      attempt: 1,
      depth: 1,
      rootRunId: runId,
    });
    expect(childRun.usage.budget).toEqual({ tokens: 500 });
    const listed = await api<{ runs: { id: string; trigger: string }[] }>(
      "GET",
      "/api/runs?trigger=subworkflow&limit=500",
    );
    expect(listed.body.runs.map((r) => r.id)).toContain(childId);

    // A replay from downstream of the node reuses the child's output: no new child.
    const replayed = await api<{ runId: string }>("POST", `/api/runs/${runId}/replay`, {
      fromNode: "done",
    });
    const replay = (await waitForRun(replayed.body.runId)) as View;
    expect(replay.output).toEqual(run.output);
    expect(childOf(replay, "sub")).toBeUndefined();
    // From the node itself, it runs a new child.
    const again = await api<{ runId: string }>("POST", `/api/runs/${runId}/replay`, {
      fromNode: "sub",
    });
    const rerun = (await waitForRun(again.body.runId)) as View;
    expect(rerun.output).toEqual(run.output);
    expect(childOf(rerun, "sub")).toMatch(/^run_/);
    expect(childOf(rerun, "sub")).not.toBe(childId);
  });

  it("fails the node when the child fails, so its error edge takes it; an unknown workflow fails it too", async () => {
    const tag = `subfail${Date.now()}`;
    await createWorkflow(child(`breaks ${tag}`, "$error('the child broke')"));
    const runId = await startRun(await createWorkflow(parent(`calls ${tag}`, `breaks ${tag}`)), {
      n: 1,
    });
    const run = (await waitForRun(runId)) as View;
    expect(run.status).toBe("completed");
    expect(run.output).toEqual({ handled: true });
    const sub = run.nodes.find((n) => n.id === "sub")!;
    expect(sub.error?.code).toBe("child_failed");
    expect(sub.error?.message).toContain("the child broke");
    expect((await read(childOf(run, "sub")!)).status).toBe("failed");

    const lost = await startRun(await createWorkflow(parent(`lost ${tag}`, `nothing ${tag}`)), {
      n: 1,
    });
    const missing = (await waitForRun(lost)) as View;
    expect(missing.output).toEqual({ handled: true });
    expect(missing.nodes.find((n) => n.id === "sub")?.error).toMatchObject({
      code: "workflow_not_found",
      message: `node "sub": no workflow "nothing ${tag}" in this workspace`,
    });
  });

  it("refuses at save a call that leads back to the workflow, naming the node and the chain", async () => {
    const tag = `subcycle${Date.now()}`;
    await createWorkflow(parent(`a ${tag}`, `b ${tag}`));
    const b = await api<{ error: { details: { errors: Record<string, unknown>[] } } }>(
      "POST",
      "/api/workflows",
      parent(`b ${tag}`, `a ${tag}`),
    );
    expect(b.status).toBe(400);
    expect(b.body.error.details.errors).toEqual([
      expect.objectContaining({
        at: "nodes[1].config.workflow",
        code: "subworkflow_cycle",
        message: `calls itself: b ${tag} → a ${tag} → b ${tag}`,
      }),
    ]);
    const self = await api("POST", "/api/workflows", parent(`c ${tag}`, `c ${tag}`));
    expect(self.status).toBe(400);
  });

  it("stops a chain deeper than the limit at run time (each call was saved before the next existed)", async () => {
    const tag = `subdeep${Date.now()}`;
    const names = Array.from({ length: 7 }, (_, i) => `level ${i} ${tag}`);
    const ids: string[] = [];
    for (const [i, name] of names.slice(0, -1).entries()) {
      ids.push(await createWorkflow(parent(name, names[i + 1]!)));
    }
    await createWorkflow(child(names[6]!, "input.n"));
    const top = await startRun(ids[0]!, { n: 1 });
    const run = (await waitForRun(top)) as View;
    // The run at depth 5 refused to start a sixth level and took its error edge; each level
    // above returned what its child did.
    let expected: unknown = { handled: true };
    for (let depth = 1; depth <= 5; depth++) expected = { child: expected };
    expect(run.output).toEqual(expected);
    let level = run;
    for (let depth = 1; depth <= 5; depth++) level = await read(childOf(level, "sub")!);
    expect(level.nodes.find((n) => n.id === "sub")?.error).toMatchObject({
      code: "subworkflow_too_deep",
    });
  });

  it("maps 50 items over a 3-node sub-workflow: a child per item, never more than 5 at once", async () => {
    // Tenant B's: its 51 starts fit its own admission bucket (60 an hour in these tests).
    const as = (method: string, path: string, body?: unknown) =>
      api<{ id: string; runId: string; runs: { id: string }[] }>(method, path, body, OTHER_KEY);
    const tag = `submap${Date.now()}`;
    await as("POST", "/api/workflows", child(`square ${tag}`, "input.n * input.n"));
    const created = await as("POST", "/api/workflows", {
      name: `squares ${tag}`,
      nodes: [
        { id: "start", type: "start" },
        {
          id: "each",
          type: "map",
          config: {
            items: "[1..50]",
            concurrency: 5,
            node: {
              type: "subworkflow",
              config: { workflow: `square ${tag}`, input: { n: "{{ item }}" } },
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
    const runId = (await as("POST", `/api/workflows/${created.body.id}/runs`, {})).body.runId;
    const run = await poll(
      `run ${runId} to end`,
      () => read(runId, OTHER_KEY),
      (r) => r.status !== "running",
    );
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    const numbers = Array.from({ length: 50 }, (_, i) => i + 1);
    expect(run.output).toEqual(numbers.map((n) => n * n));
    // The children are the items': each names its item, the map node names none.
    expect(childOf(run as View, "each")).toBeUndefined();
    // From the children's own start and end times: never more than 5 running at once.
    const listed = await as("GET", "/api/runs?trigger=subworkflow&limit=500");
    const all = await Promise.all(listed.body.runs.map((r) => read(r.id, OTHER_KEY)));
    const ours = all.filter((r) => r.parent?.runId === runId) as (View & {
      createdAt: number;
      finishedAt: number;
    })[];
    expect(ours.map((r) => r.parent!.item!.index).sort((a, b) => a - b)).toEqual(
      numbers.map((n) => n - 1),
    );
    const moments = ours.flatMap((r) => [
      { at: r.createdAt, delta: 1 },
      { at: r.finishedAt, delta: -1 },
    ]);
    // Ends first at the same instant: a child ends before the next one is started.
    moments.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let running = 0;
    let most = 0;
    for (const m of moments) {
      running += m.delta;
      most = Math.max(most, running);
    }
    expect(most).toBeGreaterThanOrEqual(1);
    expect(most).toBeLessThanOrEqual(5);
  });

  it("starts each map item's child once when a notice is the first call after the run's creation", async () => {
    const tag = `subfirst${Date.now()}`;
    await createWorkflow(child(`triple ${tag}`, "input.n * 3"));
    const wf = await createWorkflow({
      name: `triples ${tag}`,
      nodes: [
        { id: "start", type: "start" },
        {
          id: "each",
          type: "map",
          config: {
            items: "[1, 2, 3, 4]",
            concurrency: 4,
            node: {
              type: "subworkflow",
              config: { workflow: `triple ${tag}`, input: { n: "{{ item }}" } },
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
    const runId = await startRun(wf);
    // A notice for no child of this run, while the items' children are being started: it
    // changes nothing, and the starts in flight are not made again.
    await stubOf(runId).childEnded({
      childRunId: "run_none",
      nodeId: "each",
      attempt: 1,
      status: "completed",
    });
    const run = await waitForRun(runId);
    expect(run.status, JSON.stringify(run.error)).toBe("completed");
    expect(run.output).toEqual([3, 6, 9, 12]);
  });

  it("counts the run limits across the tree: a grandchild that would bring the tree's agents past the limit is not started", async () => {
    const tag = `tree${Date.now()}`;
    // Three agent nodes behind a condition that is false: they count, and never call a model.
    const agents = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        id: `agent${i}`,
        type: "agent",
        config: { prompt: "never asked" },
      }));
    await createWorkflow({
      name: `three agents ${tag}`,
      nodes: [
        { id: "start", type: "start" },
        { id: "gate", type: "condition", config: { expression: "false" } },
        ...agents(3),
        { id: "done", type: "end", config: { output: "{{ input.n }}" } },
      ],
      edges: [
        { from: "start", to: "gate" },
        { from: "gate", to: "agent0", on: "true" },
        { from: "agent0", to: "agent1" },
        { from: "agent1", to: "agent2" },
        { from: "agent2", to: "done" },
        { from: "gate", to: "done", on: "false" },
      ],
    });
    const middle = await createWorkflow(parent(`middle ${tag}`, `three agents ${tag}`));
    // The root: its first child brings 3 agent nodes, its second's own child 3 more (limit 5).
    const root = await createWorkflow({
      name: `root ${tag}`,
      nodes: [
        { id: "start", type: "start" },
        {
          id: "first",
          type: "subworkflow",
          config: { workflow: `three agents ${tag}`, input: { n: 1 } },
        },
        { id: "second", type: "subworkflow", config: { workflow: middle, input: { n: 2 } } },
        { id: "done", type: "end", config: { output: "{{ nodes.second.output }}" } },
      ],
      edges: [
        { from: "start", to: "first" },
        { from: "first", to: "second" },
        { from: "second", to: "done" },
      ],
    });
    const runId = await startRun(root, {});
    const run = (await waitForRun(runId)) as View;
    expect(run.status).toBe("completed");
    expect(run.nodes.find((n) => n.id === "first")?.status).toBe("succeeded");
    // The middle run's own call was refused at the root: it took its error edge.
    expect(run.output).toEqual({ handled: true });
    const middleRun = (await waitForRun(childOf(run, "second")!)) as View;
    const refused = middleRun.nodes.find((n) => n.id === "sub");
    expect(refused?.status).toBe("failed");
    expect(refused?.error?.code).toBe("limit_exceeded");
    expect(refused?.error?.message).toContain(
      "limit agentsPerRun is 5, counted across the run and its sub-workflow runs: they would have 6 agent nodes",
    );
    // Named before its start was refused, the grandchild never started: no such run.
    const named = childOf(middleRun, "sub")!;
    expect((await api("GET", `/api/runs/${named}`)).status).toBe(404);
  });

  it("cancels its children when it is cancelled, two levels down", async () => {
    const tag = `subcancel${Date.now()}`;
    await createWorkflow({
      name: `waits ${tag}`,
      nodes: [
        { id: "start", type: "start" },
        { id: "ask", type: "approval", config: { message: "go on?" } },
        { id: "done", type: "end" },
      ],
      edges: [
        { from: "start", to: "ask" },
        { from: "ask", to: "done", on: "approved" },
      ],
    });
    await createWorkflow(parent(`middle ${tag}`, `waits ${tag}`));
    const top = await startRun(await createWorkflow(parent(`top ${tag}`, `middle ${tag}`)), {
      n: 1,
    });
    const waiting = (id: string) =>
      poll(
        `run ${id} to wait`,
        () => read(id),
        (r) => r.status === "waiting" && childOf(r, "sub") !== undefined,
      );
    const middle = childOf(await waiting(top), "sub")!;
    const bottom = await poll(
      `run ${middle}'s child to wait`,
      async () => {
        const m = await read(middle);
        const id = childOf(m, "sub");
        return id ? await read(id) : null;
      },
      (r) => r?.status === "waiting",
    );
    expect((await api("POST", `/api/runs/${top}/cancel`)).status).toBe(200);
    for (const id of [middle, bottom!.id]) {
      const ended = await poll(
        `run ${id} to be cancelled`,
        () => read(id),
        (r) => r.status === "cancelled",
      );
      expect(ended.status).toBe("cancelled");
    }
  });

  it("fails a run past its deadline (timeoutSeconds) and cancels its child", async () => {
    const tag = `subdeadline${Date.now()}`;
    await createWorkflow({
      name: `slow ${tag}`,
      nodes: [
        { id: "start", type: "start" },
        { id: "ask", type: "approval", config: { message: "go on?" } },
        { id: "done", type: "end" },
      ],
      edges: [
        { from: "start", to: "ask" },
        { from: "ask", to: "done", on: "approved" },
      ],
    });
    const top = await startRun(
      await createWorkflow({ ...parent(`hurried ${tag}`, `slow ${tag}`), timeoutSeconds: 30 }),
      { n: 1 },
    );
    const waiting = await poll(
      `run ${top}'s child to wait`,
      async () => {
        const id = childOf(await read(top), "sub");
        return id ? await read(id) : null;
      },
      (r) => r?.status === "waiting",
    );
    // Thirty seconds pass: the deadline timer fires.
    await elapse(top);
    const run = await read(top);
    expect(run.status).toBe("failed");
    expect(run.error).toMatchObject({ code: "run_deadline_exceeded" });
    expect(run.nodes.find((n) => n.id === "sub")?.status).toBe("cancelled");
    const child = await poll(
      `run ${waiting!.id} to be cancelled`,
      () => read(waiting!.id),
      (r) => r.status === "cancelled",
    );
    expect(child.status).toBe("cancelled");
  });
});
