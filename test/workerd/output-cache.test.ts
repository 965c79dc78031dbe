import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { casKey } from "../../core/cas/hash";
import type { RunEngine } from "../../durable-objects/run/engine";
import { RunOutputs } from "../../durable-objects/run/outputs";
import { ensureSchema } from "../../durable-objects/run/schema";
import { RunStore } from "../../durable-objects/run/store";
import { addressOf } from "../../platform/hash";
import { poll } from "../support/poll";
import { api, createWorkflow, type RunBody, startRun, stubOf, waitForRun } from "./helpers";

/** One output of about `kib` KiB, distinct per node. */
const value = (id: string, kib: number) => ({ id, text: id[0]!.repeat(kib * 1024) });

/**
 * The run's memory does not grow with its outputs (docs/PAYLOADS.md, invariant 3): what the
 * object parses is held in one cache bounded in bytes, and evicted outputs are read again from
 * storage (inline) or R2 (by reference), exactly.
 */
describe("the run's output cache", () => {
  it("holds at most its budget whatever the outputs total, and reads every output back exactly", async () => {
    const outputs = await runInDurableObject(stubOf("output-cache"), async (_obj, state) => {
      ensureSchema(state.storage.sql);
      const store = new RunStore(state.storage.sql);
      const budget = 256 * 1024;
      const cache = new RunOutputs(store, env.BLOBS, budget);
      const ids = Array.from({ length: 20 }, (_, i) => `n${i}`);
      const entries = Object.fromEntries(ids.map((id) => [id, cache.entry(id, "succeeded")]));
      // 20 outputs of 60 KiB inline: 1.2 MiB stored, through a 256 KiB cache.
      for (const id of ids) {
        const { hash, json } = addressOf(value(id, 60));
        store.saveOutput(id, hash, json);
        cache.stored(id, value(id, 60), json.length);
      }
      const heldAfterWrites = cache.heldBytes();
      const same = ids.every(
        (id) => JSON.stringify(entries[id]!.output) === JSON.stringify(value(id, 60)),
      );
      const heldAfterReads = cache.heldBytes();
      // One kept by reference: fetched from R2 for the evaluation that names it.
      const big = value("r", 300);
      const { hash, json } = addressOf(big);
      await env.BLOBS.put(casKey(hash), json);
      store.saveOutputRef("ref", { hash, bytes: json.length });
      cache.storedRef("ref");
      const ir = {
        nodes: [
          {
            id: "reader",
            type: "transform",
            config: { expression: "nodes.ref.output.id" },
            in: [],
          },
        ],
        byId: { reader: 0 },
        edges: [],
      };
      const base = {
        input: null,
        nodes: { ...entries, ref: cache.entry("ref", "succeeded") },
        run: { id: "r", startedAt: "", workflowId: "w", version: 1 },
      };
      const context = await cache.contextFor(ir as never, ir.nodes[0] as never, base);
      const read = (context.nodes.ref!.output as { id: string }).id;
      let unnamed = "";
      try {
        void base.nodes.ref.output;
      } catch (err) {
        unnamed = String(err);
      }
      return {
        budget,
        heldAfterWrites,
        heldAfterReads,
        same,
        read,
        unnamed,
        held: cache.heldBytes(),
      };
    });
    expect(outputs.same).toBe(true);
    expect(outputs.heldAfterWrites).toBeLessThanOrEqual(outputs.budget);
    expect(outputs.heldAfterReads).toBeLessThanOrEqual(outputs.budget);
    // The 300 KiB output is over the whole budget: read for the evaluation, not kept.
    expect(outputs.read).toBe("r");
    expect(outputs.held).toBeLessThanOrEqual(outputs.budget);
    expect(outputs.unnamed).toMatch(/kept by reference .* and was read without being named/);
  });

  it("holds no parsed output while its run waits or once it ended, and reads them again after", async () => {
    // big (40,000 characters, kept inline) → an approval → a transform that reads big.
    const id = await createWorkflow({
      name: "outputs released while waiting",
      nodes: [
        { id: "start", type: "start" },
        { id: "big", type: "transform", config: { expression: "$pad('', 40000, 'x')" } },
        { id: "review", type: "approval", config: { message: "go on?" } },
        { id: "measure", type: "transform", config: { expression: "$length(nodes.big.output)" } },
        { id: "end", type: "end", config: { output: "{{ nodes.measure.output }}" } },
      ],
      edges: [
        { from: "start", to: "big" },
        { from: "big", to: "review" },
        { from: "review", to: "measure", on: "approved" },
        { from: "measure", to: "end" },
      ],
    });
    const runId = await startRun(id);
    await poll(
      `run ${runId} to wait for its approval`,
      async () => (await api<RunBody>("GET", `/api/runs/${runId}`)).body,
      (r) => r.status !== "running",
    );
    const held = () =>
      runInDurableObject(stubOf(runId), (obj) =>
        (obj as unknown as { engine: RunEngine }).engine.outputsHeld(),
      );
    // Before the change it held big's 40 KB while the approval waited (for days, possibly).
    expect(await held()).toBe(0);
    const decided = await api("POST", `/api/runs/${runId}/approvals/review`, {
      decision: "approve",
    });
    expect(decided.status).toBe(200);
    const run = await waitForRun(runId);
    expect(run.status).toBe("completed");
    expect(run.output).toBe(40000);
    expect(await held()).toBe(0);
  });
});
