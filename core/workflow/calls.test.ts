import { describe, expect, it } from "vitest";
import { MAX_SUBWORKFLOW_DEPTH } from "../kinds/subworkflow";
import { type CalledWorkflow, callProblem } from "./calls";
import { WorkflowDefinition } from "./definition";

/** A workflow named `name` whose nodes call each of `calls`. */
const wf = (name: string, ...calls: string[]) =>
  WorkflowDefinition.parse({
    name,
    nodes: [
      { id: "start", type: "start" },
      ...calls.map((workflow, i) => ({
        id: `call${i}`,
        type: "subworkflow",
        config: { workflow },
      })),
    ],
    edges: calls.map((_, i) => ({ from: "start", to: `call${i}` })),
  });

/** A tenant's stored workflows, found by id or name. */
function stored(...defs: WorkflowDefinition[]) {
  const byKey = new Map<string, CalledWorkflow>();
  for (const [i, definition] of defs.entries()) {
    const called = { id: `wf_${i}`, name: definition.name, definition };
    byKey.set(called.id, called).set(called.name, called);
  }
  return async (workflow: string) => byKey.get(workflow) ?? null;
}

describe("callProblem", () => {
  it("finds a call that leads back, by name or id, and points at the node that starts it", async () => {
    const load = stored(wf("b", "c", "x"), wf("c", "a"));
    const problem = await callProblem({ id: null, definition: wf("a", "nothing", "b") }, load);
    expect(problem).toMatchObject({
      path: ["nodes", 2, "config", "workflow"],
      code: "subworkflow_cycle",
      message: "calls itself: a → b → c → a",
    });
    const byId = await callProblem({ id: "wf_1", definition: wf("c", "b") }, load);
    expect(byId?.code).toBe("subworkflow_cycle");
  });

  it("accepts calls to workflows that do not exist yet, and refuses a chain deeper than the limit", async () => {
    expect(await callProblem({ id: null, definition: wf("a", "later") }, stored())).toBeNull();
    const chain = Array.from({ length: MAX_SUBWORKFLOW_DEPTH + 1 }, (_, i) =>
      wf(`w${i + 1}`, `w${i + 2}`),
    );
    const problem = await callProblem({ id: null, definition: wf("w0", "w1") }, stored(...chain));
    expect(problem?.code).toBe("subworkflow_too_deep");
  });
});
