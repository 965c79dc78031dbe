import type { AgentConfig } from "../kinds/agent";
import type { WorkflowDefinition } from "../workflow/definition";

export interface ChatMessage {
  role: "system" | "user";
  content: string;
}

const PLATFORM = `You are an agent step inside an aob workflow run. Do the task in the user message and
reply with the result. Your reply is this node's output, which later nodes read as
nodes.<your node id>.output.
When you have the patch_workflow tool you may change the running workflow: add nodes and
edges (new nodes run once their incoming edges fire), remove edges that have not fired, and
update nodes that have not started. Node ids match ^[a-z][a-z0-9_]{0,62}$. A patch that is
refused comes back with the path and reason of each problem: fix those and try again.`;

/**
 * The messages of an agent's first call. The stable part comes first and is identical for
 * every execution of this node in this workflow version: platform instructions, the node's
 * own instructions, the workflow graph and the node's id (tools are sent beside it, also in a
 * fixed order), so provider-side prompt caching hits. The rendered task comes last.
 */
export function buildMessages(
  nodeId: string,
  config: Pick<AgentConfig, "system" | "prompt">,
  workflow: WorkflowDefinition,
): ChatMessage[] {
  const graph = {
    name: workflow.name,
    nodes: workflow.nodes.map((n) => ({ id: n.id, type: n.type, config: n.config })),
    edges: workflow.edges,
  };
  const system = [
    PLATFORM,
    config.system ?? "",
    `The workflow (JSON):\n${JSON.stringify(graph)}`,
    `Your node id: ${nodeId}`,
  ]
    .filter((part) => part !== "")
    .join("\n\n");
  return [
    { role: "system", content: system },
    { role: "user", content: config.prompt },
  ];
}
