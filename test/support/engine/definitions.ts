/** Test support for the optimiser's tests: definitions from short node and edge lists. */
import { compile } from "../../../core/compile/compile";
import type { IR, IRNode } from "../../../core/compile/ir";
import type {
  WorkflowDefinition,
  WorkflowDefinitionInput,
} from "../../../core/workflow/definition";
import { validateWorkflow } from "../../../core/workflow/validate";

type NodeInput = WorkflowDefinitionInput["nodes"][number];
type EdgeInput = NonNullable<WorkflowDefinitionInput["edges"]>[number];

/** A validated definition with a start node added in front. */
export function definition(nodes: NodeInput[], edges: EdgeInput[]): WorkflowDefinition {
  const result = validateWorkflow({
    name: "test",
    nodes: [{ id: "start", type: "start" }, ...nodes],
    edges,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.definition;
}

/** The same definition compiled without and with the optimiser. */
export function both(def: WorkflowDefinition): { plain: IR; optimised: IR } {
  return { plain: compile(def, { optimise: false }), optimised: compile(def) };
}

export function nodeIn(ir: IR, id: string): IRNode {
  return ir.nodes[ir.byId[id]!]!;
}

export const transform = (id: string, expression: string): NodeInput => ({
  id,
  type: "transform",
  config: { expression },
});

export const end = (id: string, output: unknown): NodeInput => ({
  id,
  type: "end",
  config: { output },
});

/** A server that answers every request with JSON naming it. */
export const echoServer = (request: { method: string; url: string }) => ({
  status: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ method: request.method, url: request.url }),
});
