import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, inject, it } from "vitest";
import { compile } from "../../core/compile/compile";
import type { IR } from "../../core/compile/ir";
import { validateWorkflow } from "../../core/workflow/validate";
import { compileWorkflow } from "../../platform/optimiser";
import { poll } from "../support/poll";
import { api, count, createWorkflow, type RunBody, startRun, stubOf, waitForRun } from "./helpers";

const fixture = inject("fixtureUrl");

async function storedIr(runId: string): Promise<IR> {
  return runInDurableObject(stubOf(runId), (_obj, state) => {
    const row = state.storage.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'ir'").one();
    return JSON.parse(row.v) as IR;
  });
}

type Event = { seq: number; type: string; nodeId?: string; data?: Record<string, unknown> };

async function events(runId: string): Promise<Event[]> {
  return (await api<{ events: Event[] }>("GET", `/api/runs/${runId}/events`)).body.events;
}

type RunView = Omit<RunBody, "nodes"> & {
  optimiser?: { kernels: string; rewrites: { pass: string; nodes: string[]; reason: string }[] };
  nodes: (RunBody["nodes"][number] & { omit?: { pass: string; reason: string } })[];
};

/** Cache writes happen in the background once a node succeeds: wait for the row, bounded. */
function cachedRows(tenantNode: string, atLeast: number): Promise<number> {
  return poll(
    `${atLeast} cache row(s) for ${tenantNode}`,
    async () => {
      const row = await env.DB.prepare(
        "SELECT count(*) AS n FROM semantic_cache WHERE tenant_id = 't_a' AND node_id = ?",
      )
        .bind(tenantNode)
        .first<{ n: number }>();
      return row?.n ?? 0;
    },
    (n) => n >= atLeast,
  );
}

const flags = {
  name: "optimised",
  nodes: [
    { id: "start", type: "start" },
    { id: "cfg", type: "transform", config: { expression: "{ 'mode': 'fast' }" } },
    {
      id: "mode",
      type: "switch",
      config: { expression: "nodes.cfg.output.mode", cases: ["fast", "slow"] },
    },
    { id: "fast", type: "transform", config: { expression: "input.n + 1" } },
    { id: "slow", type: "transform", config: { expression: "input.n - 1" } },
    { id: "a", type: "transform", config: { expression: "nodes.fast.output * 2" } },
    { id: "b", type: "transform", config: { expression: "nodes.a.output * 2" } },
    { id: "debug", type: "transform", config: { expression: "$string(input)" } },
    { id: "done", type: "end", config: { output: "{{ nodes.b.output }}" } },
  ],
  edges: [
    { from: "start", to: "cfg" },
    { from: "cfg", to: "mode" },
    { from: "mode", to: "fast", on: "fast" },
    { from: "mode", to: "slow", on: "slow" },
    { from: "fast", to: "a" },
    { from: "a", to: "b" },
    { from: "b", to: "done" },
    { from: "start", to: "debug" },
  ],
};

describe("the optimiser in workerd", () => {
  it("compiles with the WebAssembly kernels, and they agree with the TypeScript reference", () => {
    const checked = validateWorkflow(flags);
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    const wasm = compileWorkflow(checked.definition);
    const reference = compile(checked.definition);
    expect(wasm.optimiser?.kernels).toBe("wasm");
    expect(reference.optimiser?.kernels).toBe("typescript");
    const { optimiser: _w, ...wasmIr } = wasm;
    const { optimiser: _r, ...referenceIr } = reference;
    expect(wasmIr).toEqual(referenceIr);
  });

  it("runs the optimised graph: stores its rewrites, shows pruned and dead nodes as skipped with why", async () => {
    const id = await createWorkflow(flags);
    const run = (await waitForRun(await startRun(id, { n: 4 }))) as unknown as RunView;
    expect(run.status).toBe("completed");
    expect(run.output).toBe(20);

    const ir = await storedIr(run.id);
    expect(ir.irVersion).toBe(3);
    expect(ir.optimiser?.kernels).toBe("wasm");
    expect(ir.rewrites.map((r) => r.pass)).toEqual(
      expect.arrayContaining([
        "absorb_conditions",
        "eliminate_dead",
        "fuse_transforms",
        "schedule",
      ]),
    );
    expect(run.optimiser?.kernels).toBe("wasm");
    expect(run.optimiser?.rewrites.length).toBe(ir.rewrites.length);

    const byId = Object.fromEntries(run.nodes.map((n) => [n.id, n]));
    expect(byId.slow?.status).toBe("skipped");
    expect(byId.slow?.omit?.pass).toBe("absorb_conditions");
    expect(byId.debug?.status).toBe("skipped");
    expect(byId.debug?.omit?.pass).toBe("eliminate_dead");
    // The fused chain fast → a → b: every node ran and kept its own output.
    expect([byId.fast?.output, byId.a?.output, byId.b?.output]).toEqual([5, 10, 20]);

    const log = await events(run.id);
    const skipped = log.find((e) => e.type === "node_skipped" && e.nodeId === "debug");
    expect(skipped?.data).toMatchObject({
      reason: "optimised_out",
      rewrite: { pass: "eliminate_dead" },
    });
    for (const node of ["fast", "a", "b"]) {
      expect(log.filter((e) => e.nodeId === node).map((e) => e.type)).toEqual([
        "node_started",
        "node_succeeded",
      ]);
    }
    // The chain's three results were applied in one step: their events are consecutive.
    const succeeded = log.filter((e) => e.type === "node_succeeded").map((e) => e.nodeId);
    const at = succeeded.indexOf("fast");
    expect(succeeded.slice(at, at + 3)).toEqual(["fast", "a", "b"]);
  });

  for (const mode of ["inline", "queued"] as const) {
    it(`sends identical ${mode} GETs running together once, and gives each node the answer`, async () => {
      const tag = `co_${mode}_${Date.now()}`;
      const get = (id: string) => ({
        id,
        type: "http",
        config: { url: `${fixture}/slow/50/${tag}`, mode },
      });
      const id = await createWorkflow({
        name: `coalesce ${mode}`,
        nodes: [
          { id: "start", type: "start" },
          get("one"),
          get("two"),
          get("three"),
          { id: "all", type: "join" },
          {
            id: "done",
            type: "end",
            config: { output: "{{ [nodes.one.output.body, nodes.three.output.body] }}" },
          },
        ],
        edges: [
          { from: "start", to: "one" },
          { from: "start", to: "two" },
          { from: "start", to: "three" },
          { from: "one", to: "all" },
          { from: "two", to: "all" },
          { from: "three", to: "all" },
          { from: "all", to: "done" },
        ],
      });
      const run = await waitForRun(await startRun(id));
      expect(run.status).toBe("completed");
      expect(await count(tag)).toBe(1);
      expect(run.output).toEqual([{ slow: true }, { slow: true }]);
      const log = await events(run.id);
      const shared = log.filter((e) => e.type === "node_succeeded" && e.data?.coalescedWith);
      expect(shared).toHaveLength(2);
      const ir = await storedIr(run.id);
      expect(ir.rewrites.find((r) => r.pass === "coalesce_http")?.nodes).toEqual([
        "one",
        "two",
        "three",
      ]);
    });
  }

  it("reuses a cached GET in a later run, and misses when its config changes", async () => {
    const tag = `cache_${Date.now()}`;
    const definition = (headers: Record<string, string>) => ({
      name: "cached",
      nodes: [
        { id: "start", type: "start" },
        {
          id: "fetch",
          type: "http",
          config: {
            url: `${fixture}/echo/${tag}?q={{ input.q }}`,
            headers,
            cache: { ttlSeconds: 600 },
          },
        },
        { id: "done", type: "end", config: { output: "{{ nodes.fetch.output.body }}" } },
      ],
      edges: [
        { from: "start", to: "fetch" },
        { from: "fetch", to: "done" },
      ],
    });
    const id = await createWorkflow(definition({ accept: "application/json" }));

    const first = await waitForRun(await startRun(id, { q: "x" }));
    expect(first.status).toBe("completed");
    expect(await count(tag)).toBe(1);
    await cachedRows("fetch", 1);

    const second = await waitForRun(await startRun(id, { q: "x" }));
    expect(second.status).toBe("completed");
    expect(second.output).toEqual(first.output);
    expect(await count(tag)).toBe(1);
    const hit = (await events(second.id)).find(
      (e) => e.type === "node_succeeded" && e.nodeId === "fetch",
    );
    expect(hit?.data?.cache).toMatchObject({
      hit: true,
      from: { runId: first.id, nodeId: "fetch" },
    });

    // Another input renders another URL: a miss.
    const third = await waitForRun(await startRun(id, { q: "y" }));
    expect(third.status).toBe("completed");
    expect(await count(tag)).toBe(2);

    // A new version with another header: the same URL misses too.
    const put = await api("PUT", `/api/workflows/${id}`, definition({ accept: "text/plain" }));
    expect(put.status).toBe(200);
    const fourth = await waitForRun(await startRun(id, { q: "x" }));
    expect(fourth.status).toBe("completed");
    expect(await count(tag)).toBe(3);
  });

  it("reuses a cached transform only for the same expression and inputs", async () => {
    const definition = (expression: string) => ({
      name: "cached transform",
      nodes: [
        { id: "start", type: "start" },
        { id: "calc", type: "transform", config: { expression, cache: { ttlSeconds: 600 } } },
        { id: "done", type: "end", config: { output: "{{ nodes.calc.output }}" } },
      ],
      edges: [
        { from: "start", to: "calc" },
        { from: "calc", to: "done" },
      ],
    });
    const id = await createWorkflow(definition("input.n * 3"));
    const first = await waitForRun(await startRun(id, { n: 2 }));
    expect(first.output).toBe(6);
    await cachedRows("calc", 1);
    const hitOf = async (runId: string) =>
      (await events(runId)).find((e) => e.type === "node_succeeded" && e.nodeId === "calc")?.data
        ?.cache;

    const same = await waitForRun(await startRun(id, { n: 2 }));
    expect(same.output).toBe(6);
    expect(await hitOf(same.id)).toMatchObject({ hit: true });

    const otherInput = await waitForRun(await startRun(id, { n: 5 }));
    expect(otherInput.output).toBe(15);
    expect(await hitOf(otherInput.id)).toBeUndefined();

    await api("PUT", `/api/workflows/${id}`, definition("input.n * 4"));
    const otherExpression = await waitForRun(await startRun(id, { n: 2 }));
    expect(otherExpression.output).toBe(8);
    expect(await hitOf(otherExpression.id)).toBeUndefined();
  });
});
