import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ensureSchema } from "../../durable-objects/run/schema";
import { RunStore } from "../../durable-objects/run/store";
import { createWorkflow, startRun, stubOf, waitForRun } from "./helpers";

/** start → t0001 → … → tN → end, each transform adding one to the one before. */
function chain(n: number) {
  const ids = Array.from({ length: n }, (_, i) => `t${String(i + 1).padStart(4, "0")}`);
  const ends = ["start", ...ids, "end"];
  return {
    name: `chain of ${n}`,
    nodes: [
      { id: "start", type: "start" },
      ...ids.map((id, i) => ({
        id,
        type: "transform",
        config: { expression: i === 0 ? "1" : `nodes.${ids[i - 1]}.output + 1` },
      })),
      { id: "end", type: "end", config: { output: `{{ nodes.${ids.at(-1)}.output }}` } },
    ],
    edges: ends.slice(1).map((to, i) => ({ from: ends[i]!, to })),
  };
}

describe("a run at the largest size a workflow may have", { timeout: 60_000 }, () => {
  it("starts and completes a 4,998-transform chain (its IR is ~2.5 MB, over one SQLite value)", async () => {
    // Before: the start answered 500 and D1 recorded start_failed: SQLITE_TOOBIG.
    const id = await createWorkflow(chain(4998));
    const run = await waitForRun(await startRun(id), 50_000);
    expect(run.status).toBe("completed");
    expect(run.output).toBe(4998);
    expect(run.nodes).toHaveLength(5000);
  });

  it("stores a meta value of any size in pieces and reads it back exactly, surrogate pairs included", async () => {
    const stub = stubOf("meta-chunks-roundtrip");
    const read = await runInDurableObject(stub, (_obj, state) => {
      ensureSchema(state.storage.sql);
      const store = new RunStore(state.storage.sql);
      // An emoji (two UTF-16 units) straddles the 512 Ki-character piece boundary.
      const text = `${"a".repeat(512 * 1024 - 1)}😀${"€".repeat(600_000)}😀`;
      store.setMeta("big", { text });
      const pieces = state.storage.sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM meta_chunks WHERE k = 'big'")
        .one().n;
      const back = store.getMeta<{ text: string }>("big")!.text;
      store.setMeta("big", { small: true });
      const after = state.storage.sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM meta_chunks WHERE k = 'big'")
        .one().n;
      return { same: back === text, pieces, small: store.getMeta("big"), after };
    });
    expect(read).toEqual({ same: true, pieces: 3, small: { small: true }, after: 0 });
  });
});
