import { describe, expect, it } from "vitest";
import type { WorkflowDefinitionInput } from "./definition";
import { diffWorkflows } from "./diff";
import { validateWorkflow } from "./validate";

function def(input: WorkflowDefinitionInput) {
  const r = validateWorkflow(input);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.definition;
}

const v1 = def({
  name: "flow",
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

describe("diffWorkflows", () => {
  it("finds no difference between a version and itself, layout aside", () => {
    const moved = def({ ...v1, ui: { positions: { a: { x: 5, y: 5 } } } });
    expect(diffWorkflows(v1, moved)).toEqual({
      nodes: { added: [], removed: [], changed: [] },
      edges: { added: [], removed: [] },
      fields: [],
    });
  });

  it("lists added, removed and changed nodes and edges", () => {
    const v2 = def({
      name: "flow renamed",
      nodes: [
        { id: "start", type: "start" },
        { id: "a", type: "transform", config: { expression: "10" }, timeoutMs: 500 },
        { id: "c", type: "end" },
      ],
      edges: [
        { from: "start", to: "a" },
        { from: "a", to: "c" },
      ],
    });
    const d = diffWorkflows(v1, v2);
    expect(d.nodes).toEqual({
      added: ["c"],
      removed: ["b"],
      changed: [{ id: "a", fields: ["config", "timeoutMs"] }],
    });
    expect(d.edges.added).toEqual([{ from: "a", to: "c" }]);
    expect(d.edges.removed).toEqual([{ from: "a", to: "b" }]);
    expect(d.fields).toEqual(["name"]);
  });
});
