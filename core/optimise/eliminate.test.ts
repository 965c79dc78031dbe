import { describe, expect, it } from "vitest";
import {
  both,
  definition,
  echoServer,
  end,
  nodeIn,
  transform,
} from "../../test/support/engine/definitions";
import { drive } from "../../test/support/engine/drive";
import { compile } from "../compile/compile";
import { DEAD_REASON } from "./eliminate";

describe("dead-node elimination", () => {
  const def = definition(
    [
      transform("used", "input.n + 1"),
      transform("debug", "$string(input)"),
      transform("debug_more", "nodes.debug.output & '!'"),
      transform("read_by_end", "input.n * 10"),
      {
        id: "notify",
        type: "http",
        config: { method: "POST", url: "https://hooks.example.com/x" },
      },
      transform("before_notify", "input.n"),
      end("done", { used: "{{ nodes.used.output }}", ten: "{{ nodes.read_by_end.output }}" }),
    ],
    [
      { from: "start", to: "used" },
      { from: "start", to: "debug" },
      { from: "debug", to: "debug_more" },
      { from: "start", to: "read_by_end" },
      { from: "start", to: "before_notify" },
      { from: "before_notify", to: "notify" },
      { from: "used", to: "done" },
    ],
  );

  it("marks pure nodes whose output reaches no end node, and nothing else", () => {
    const { optimised } = both(def);
    const dead = optimised.nodes.filter((n) => n.omit).map((n) => n.id);
    // read_by_end has no edge to `done`, but `done` reads its output; notify is a side effect.
    expect(dead).toEqual(["debug", "debug_more"]);
    expect(nodeIn(optimised, "debug").omit).toEqual({
      pass: "eliminate_dead",
      reason: DEAD_REASON,
    });
    expect(optimised.rewrites.find((r) => r.pass === "eliminate_dead")?.nodes).toEqual([
      "debug",
      "debug_more",
    ]);
  });

  it("skips them in the run, with the reason, and changes no output or side effect", async () => {
    const { plain, optimised } = both(def);
    const before = await drive(plain, { input: { n: 1 }, server: echoServer });
    const after = await drive(optimised, { input: { n: 1 }, server: echoServer });
    expect(after.outputs.done).toMatchObject({ used: 2 });
    expect(after.outputs.done).toEqual(before.outputs.done);
    expect(after.requests).toEqual(before.requests);
    expect(after.statuses.debug).toBe("skipped");
    expect(after.statuses.debug_more).toBe("skipped");
    expect(before.statuses.debug).toBe("succeeded");
    expect(after.evaluations).toBe(before.evaluations - 2);
    const skip = after.events.find((e) => e.type === "node_skipped" && e.nodeId === "debug");
    expect(skip?.data).toEqual({
      reason: "optimised_out",
      rewrite: { pass: "eliminate_dead", reason: DEAD_REASON },
    });
  });

  it("eliminates nothing in a workflow without an end node: its node outputs are its result", () => {
    const { optimised } = both(
      definition([transform("only", "1")], [{ from: "start", to: "only" }]),
    );
    expect(optimised.nodes.some((n) => n.omit)).toBe(false);
  });

  it("eliminates nothing when a live node reads the nodes map as a whole", () => {
    const { optimised } = both(
      definition(
        [transform("debug", "1"), end("done", "{{ $keys(nodes) }}")],
        [
          { from: "start", to: "debug" },
          { from: "start", to: "done" },
        ],
      ),
    );
    expect(optimised.nodes.some((n) => n.omit)).toBe(false);
  });

  it("eliminates nothing in a workflow with an agent, which may patch in a reader", () => {
    // Built by hand: the agent kind is not available to validation on this branch yet.
    const node = (id: string, type: string, config: Record<string, unknown>) => ({
      id,
      type,
      config,
      join: "all" as const,
    });
    const optimised = compile({
      name: "agent",
      nodes: [
        node("start", "start", {}),
        node("debug", "transform", { expression: "1" }),
        node("think", "agent", { prompt: "p" }),
        node("done", "end", { output: "ok" }),
      ],
      edges: [
        { from: "start", to: "debug" },
        { from: "start", to: "think" },
        { from: "think", to: "done" },
      ],
    });
    expect(optimised.nodes.some((n) => n.omit)).toBe(false);
    // The same graph with a POST in the agent's place eliminates `debug`.
    const withPost = compile({
      name: "post",
      nodes: [
        node("start", "start", {}),
        node("debug", "transform", { expression: "1" }),
        node("think", "http", { method: "POST", url: "https://x/y" }),
        node("done", "end", { output: "ok" }),
      ],
      edges: [
        { from: "start", to: "debug" },
        { from: "start", to: "think" },
        { from: "think", to: "done" },
      ],
    });
    expect(withPost.nodes.filter((n) => n.omit).map((n) => n.id)).toEqual(["debug"]);
  });

  it("no longer fails the run on an expression error in a dead node (documented change)", async () => {
    const { plain, optimised } = both(
      definition(
        [transform("broken", "1 + 'a'"), end("done", "ok")],
        [
          { from: "start", to: "broken" },
          { from: "start", to: "done" },
        ],
      ),
    );
    expect((await drive(plain)).status).toBe("failed");
    const after = await drive(optimised);
    expect(after.status).toBe("completed");
    expect(after.outputs.done).toBe("ok");
  });
});
