import type { z } from "@hono/zod-openapi";
import type {
  ValidateResult,
  VersionList,
  Workflow,
  WorkflowDefinition,
  WorkflowDiff,
  WorkflowList,
  WorkflowSaved,
  WorkflowVersion,
} from "../schemas/workflow";
import { T0, WORKFLOW_ID } from "./ids";

type Out<T extends z.ZodType> = z.output<T>;

/** A definition as a client sends it: a run that waits for a person, then answers. */
export const definition = {
  name: "order-approval",
  description: "Waits for a person to approve the order, then answers.",
  nodes: [
    { id: "start", type: "start" },
    { id: "ask", type: "approval", config: { message: "Ship order {{ input.orderId }}?" } },
    { id: "done", type: "end", config: { output: { shipped: true } } },
  ],
  edges: [
    { from: "start", to: "ask" },
    { from: "ask", to: "done", on: "approved" },
  ],
} satisfies z.input<typeof WorkflowDefinition>;

/** The same definition as the API answers it: every default applied. */
export const storedDefinition = {
  name: definition.name,
  description: definition.description,
  nodes: [
    { id: "start", type: "start", config: {}, join: "all" },
    {
      id: "ask",
      type: "approval",
      config: { message: "Ship order {{ input.orderId }}?" },
      join: "all",
    },
    { id: "done", type: "end", config: { output: { shipped: true } }, join: "all" },
  ],
  edges: definition.edges,
} satisfies Out<typeof WorkflowDefinition>;

/** A definition `validateWorkflow` refuses: a config of the wrong type, an unreachable node. */
export const brokenDefinition = {
  name: "broken",
  nodes: [
    { id: "start", type: "start" },
    { id: "call", type: "http", config: { url: 42 } },
    { id: "stray", type: "transform", config: { expression: "1" } },
  ],
  edges: [{ from: "start", to: "call" }],
};

export const validateResult: Out<typeof ValidateResult> = {
  valid: false,
  errors: [
    {
      path: ["nodes", 1, "config", "url"],
      at: "nodes[1].config.url",
      code: "invalid_config",
      message: "Invalid input: expected string, received number",
    },
    {
      path: ["nodes", 2],
      at: "nodes[2]",
      code: "unreachable",
      message: 'node "stray" cannot be reached from the start node; connect it or remove it',
    },
  ],
  warnings: [],
};

export const created: Out<typeof WorkflowSaved> = { id: WORKFLOW_ID, version: 1, warnings: [] };

export const updated: Out<typeof WorkflowSaved> = { id: WORKFLOW_ID, version: 2, warnings: [] };

const summary = {
  id: WORKFLOW_ID,
  name: "order-approval",
  description: definition.description,
  latestVersion: 2,
  createdAt: T0,
  updatedAt: T0 + 67,
};

export const list: Out<typeof WorkflowList> = {
  workflows: [
    summary,
    {
      id: "wf_sample_hello",
      name: "hello",
      description: "Greets the input name and branches on its length.",
      latestVersion: 1,
      createdAt: T0 - 15071,
      updatedAt: T0 - 15071,
    },
  ],
  nextCursor: "WzE3OTYzNzgyOTkyNDQsIndmX3NhbXBsZV9oZWxsbyJd",
};

export const workflow: Out<typeof Workflow> = {
  ...summary,
  version: 2,
  definition: storedDefinition,
  admission: {
    tier: "none",
    agentNodes: 0,
    runsPerWindow: 100,
    windowSeconds: 60,
    reason: "no agent nodes: none tier, 100 runs per 60 s per tenant",
  },
};

export const versions: Out<typeof VersionList> = {
  versions: [
    { version: 2, createdAt: T0 + 67 },
    { version: 1, createdAt: T0 },
  ],
  nextCursor: null,
};

export const version: Out<typeof WorkflowVersion> = {
  id: WORKFLOW_ID,
  version: 1,
  definition: storedDefinition,
  createdAt: T0,
};

export const diff: Out<typeof WorkflowDiff> = {
  id: WORKFLOW_ID,
  from: 1,
  to: 2,
  diff: {
    nodes: { added: ["notify"], removed: [], changed: [{ id: "ask", fields: ["config"] }] },
    edges: { added: [{ from: "done", to: "notify" }], removed: [] },
    fields: ["description"],
  },
};

export const purge = { workflowId: WORKFLOW_ID, runs: 12 };
