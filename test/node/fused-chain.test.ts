import { describe, expect, it } from "vitest";
import { compile } from "../../core/compile/compile";
import { validateWorkflow } from "../../core/workflow/validate";
import { dropStaleChain, executeFusedChain } from "../../durable-objects/run/fused";

function irOf(expression: string) {
  const checked = validateWorkflow({
    name: "chain",
    nodes: [
      { id: "start", type: "start" },
      { id: "a", type: "transform", config: { expression: "input.n" } },
      { id: "b", type: "transform", config: { expression } },
      { id: "done", type: "end", config: { output: "{{ nodes.b.output }}" } },
    ],
    edges: [
      { from: "start", to: "a" },
      { from: "a", to: "b" },
      { from: "b", to: "done" },
    ],
  });
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return compile(checked.definition);
}

const context = {
  input: { n: 2 },
  nodes: { start: { status: "succeeded", output: { n: 2 } }, a: { status: "running" } },
  run: { id: "r", startedAt: "2026-01-01T00:00:00.000Z", workflowId: "w", version: 1 },
};

describe("a fused chain in the RunObject", () => {
  it("reports the head's result with its followers' results and outputs", async () => {
    const ir = irOf("nodes.a.output * 10");
    const head = ir.nodes[ir.byId.a!]!;
    expect(head.fused).toEqual(["b"]);
    const item = await executeFusedChain(ir, head, 1, context, ["start"], 1024);
    expect(item.signal).toEqual({
      type: "result",
      nodeId: "a",
      attempt: 1,
      outcome: { ok: true, port: null },
      chain: [{ nodeId: "b", outcome: { ok: true, port: null } }],
    });
    expect(item.output).toBe(2);
    expect(item.outputs).toEqual({ b: 20 });
  });

  it("drops the followers when the IR was replaced while the head ran (a patch)", async () => {
    const before = irOf("nodes.a.output * 10");
    const item = await executeFusedChain(before, before.nodes[1]!, 1, context, ["start"], 1024);
    dropStaleChain(item, before);
    expect(item.signal.chain).toHaveLength(1);
    const patched = irOf("nodes.a.output * 100");
    dropStaleChain(item, patched);
    expect(item.signal.chain).toBeUndefined();
    expect(item.outputs).toBeUndefined();
    expect(item.output).toBe(2);
  });
});
