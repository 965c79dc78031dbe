import { describe, expect, it } from "vitest";
import { both, definition, end, nodeIn, transform } from "../../test/support/engine/definitions";
import { drive } from "../../test/support/engine/drive";

const chain = definition(
  [
    transform("a", "input.n + 1"),
    transform("b", "nodes.a.output * 2"),
    transform("c", "{ 'sum': nodes.a.output + nodes.b.output, 'status': nodes.b.status }"),
    { id: "route", type: "condition", config: { expression: "nodes.c.output.sum > 5" } },
    transform("big", "'big'"),
    end("done", { c: "{{ nodes.c.output }}", big: "{{ nodes.big.output }}" }),
  ],
  [
    { from: "start", to: "a" },
    { from: "a", to: "b" },
    { from: "b", to: "c" },
    { from: "c", to: "route" },
    { from: "route", to: "big", on: "true" },
    { from: "route", to: "done", on: "false" },
    { from: "big", to: "done" },
  ],
);

describe("transform fusion", () => {
  it("marks a chain of transforms: the head lists its followers in order", () => {
    const { optimised } = both(chain);
    expect(nodeIn(optimised, "a").fused).toEqual(["b", "c"]);
    expect(nodeIn(optimised, "b").fusedInto).toBe("a");
    expect(nodeIn(optimised, "c").fusedInto).toBe("a");
    // `route` is a condition and `big` follows a port: neither joins the chain.
    expect(nodeIn(optimised, "big").fusedInto).toBeUndefined();
    expect(optimised.rewrites.find((r) => r.pass === "fuse_transforms")?.nodes).toEqual([
      "a",
      "b",
      "c",
    ]);
  });

  it("runs the chain in one step and still records each node's output and events", async () => {
    const { plain, optimised } = both(chain);
    const before = await drive(plain, { input: { n: 2 } });
    const after = await drive(optimised, { input: { n: 2 } });
    expect(after.outputs).toEqual(before.outputs);
    expect(after.outputs.c).toEqual({ sum: 9, status: "succeeded" });
    expect(after.outputs.done).toEqual({ c: { sum: 9, status: "succeeded" }, big: "big" });
    expect(after.statuses).toEqual(before.statuses);
    // Three transforms, one step: two scheduler steps (two storage transactions) fewer.
    expect(after.steps).toBe(before.steps - 2);
    for (const id of ["a", "b", "c"]) {
      const types = after.events.filter((e) => e.nodeId === id).map((e) => e.type);
      expect(types).toEqual(["node_started", "node_succeeded"]);
    }
  });

  it("stops the chain at a failing follower, which fails on its own and routes its error edge", async () => {
    const def = definition(
      [
        transform("a", "1"),
        transform("b", "nodes.a.output + 'x'"),
        transform("c", "2"),
        transform("handled", "'handled'"),
        end("done", "{{ nodes.handled.output }}"),
      ],
      [
        { from: "start", to: "a" },
        { from: "a", to: "b" },
        { from: "b", to: "c" },
        { from: "b", to: "handled", on: "error" },
        { from: "c", to: "done" },
        { from: "handled", to: "done" },
      ],
    );
    const { plain, optimised } = both(def);
    expect(nodeIn(optimised, "a").fused).toEqual(["b", "c"]);
    const before = await drive(plain);
    const after = await drive(optimised);
    expect(after.statuses).toEqual(before.statuses);
    expect(after.statuses).toMatchObject({ a: "succeeded", b: "failed", c: "skipped" });
    expect(after.outputs.done).toBe("handled");
    expect(after.status).toBe(before.status);
  });

  it("leaves transforms with a semantic cache and loop bodies out of chains", () => {
    const { optimised } = both(
      definition(
        [
          transform("a", "1"),
          { id: "b", type: "transform", config: { expression: "2", cache: { ttlSeconds: 60 } } },
          transform("c", "3"),
          end("done", "{{ nodes.c.output }}"),
        ],
        [
          { from: "start", to: "a" },
          { from: "a", to: "b" },
          { from: "b", to: "c" },
          { from: "c", to: "done" },
        ],
      ),
    );
    expect(optimised.nodes.some((n) => n.fused)).toBe(false);
    const loop = both(
      definition(
        [
          transform("a", "1"),
          transform("b", "2"),
          { id: "again", type: "condition", config: { expression: "input.more" } },
          end("done", "{{ nodes.b.output }}"),
        ],
        [
          { from: "start", to: "a" },
          { from: "a", to: "b" },
          { from: "b", to: "again" },
          { from: "again", to: "a", on: "true", loop: { maxIterations: 2 } },
          { from: "again", to: "done", on: "false" },
        ],
      ),
    ).optimised;
    expect(loop.nodes.some((n) => n.fused)).toBe(false);
  });
});
