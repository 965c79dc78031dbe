import type { z } from "@hono/zod-openapi";
import type { PatchInput } from "../../../core/patches/ops";
import type {
  EventList,
  PatchList,
  PatchRecord,
  ReplayBody,
  Replayed,
  RunDefinition,
  RunList,
  RunStarted,
  RunView,
  StartRunBody,
} from "../schemas/run";
import { CANCELLED_RUN_ID, HASH, OUTPUT_HASH, REPLAY_ID, RUN_ID, T0, WORKFLOW_ID } from "./ids";
import { storedDefinition } from "./workflows";

type Out<T extends z.ZodType> = z.output<T>;

export const startRun: z.input<typeof StartRunBody> = { input: { orderId: "ord_42" } };

export const started: Out<typeof RunStarted> = {
  runId: RUN_ID,
  workflowId: WORKFLOW_ID,
  version: 2,
  status: "running",
};

const optimiser = {
  kernels: "wasm",
  rewrites: [
    {
      pass: "schedule",
      nodes: ["start", "ask", "done"],
      reason:
        "critical path of 3 node(s), about 60000.1 ms under the cost model; 3 parallel level(s), the widest with 1 node(s)",
    },
  ],
  plan: { makespanMs: 60000.1, criticalPath: ["start", "ask", "done"], levels: 3, widest: 1 },
};

const noUsage = { promptTokens: 0, completionTokens: 0, cachedTokens: 0, calls: 0, costUsd: 0 };

const startNode = {
  id: "start",
  type: "start",
  status: "succeeded",
  attempt: 1,
  iteration: 0,
  port: null,
  startedAt: T0 + 682,
  finishedAt: T0 + 726,
  plan: { earliestMs: 0, slackMs: 0 },
  outputHash: HASH,
  output: { orderId: "ord_42" },
} as const;

/** A run waiting at its approval node. */
export const waitingRun: Out<typeof RunView> = {
  id: RUN_ID,
  workflowId: WORKFLOW_ID,
  version: 2,
  status: "waiting",
  tokens: 1,
  createdAt: T0 + 609,
  held: false,
  nodes: [
    startNode,
    {
      id: "ask",
      type: "approval",
      status: "waiting",
      attempt: 1,
      iteration: 0,
      startedAt: T0 + 726,
      plan: { earliestMs: 0.05, slackMs: 0 },
    },
    {
      id: "done",
      type: "end",
      status: "pending",
      attempt: 0,
      iteration: 0,
      plan: { earliestMs: 60000.05, slackMs: 0 },
    },
  ],
  lastSeq: 6,
  usage: noUsage,
  patches: [],
  approvals: [
    {
      nodeId: "ask",
      attempt: 1,
      iteration: 0,
      message: "Ship order ord_42?",
      required: 1,
      status: "pending",
      createdAt: T0 + 729,
      votes: [],
    },
  ],
  optimiser,
};

/** The same run after `POST /api/runs/{id}/cancel`. */
export const cancelledRun: Out<typeof RunView> = {
  ...waitingRun,
  status: "cancelled",
  tokens: 0,
  finishedAt: T0 + 4738,
  nodes: [
    startNode,
    {
      id: "ask",
      type: "approval",
      status: "cancelled",
      attempt: 1,
      iteration: 0,
      startedAt: T0 + 726,
      finishedAt: T0 + 4738,
      plan: { earliestMs: 0.05, slackMs: 0 },
    },
    {
      id: "done",
      type: "end",
      status: "pending",
      attempt: 0,
      iteration: 0,
      plan: { earliestMs: 60000.05, slackMs: 0 },
    },
  ],
  lastSeq: 7,
  approvals: [{ ...waitingRun.approvals[0]!, status: "cancelled", decidedAt: T0 + 4738 }],
};

export const runs: Out<typeof RunList> = {
  runs: [
    {
      id: RUN_ID,
      workflowId: WORKFLOW_ID,
      version: 2,
      status: "completed",
      error: null,
      outputHash: OUTPUT_HASH,
      createdAt: T0 + 609,
      finishedAt: T0 + 2352,
      tokens: 0,
      costUsd: 0,
      held: false,
      archivedFrom: null,
    },
    {
      id: CANCELLED_RUN_ID,
      workflowId: WORKFLOW_ID,
      version: 2,
      status: "failed",
      error: {
        code: "http_status",
        message: "GET https://api.example.com/orders/43 answered 404",
        retryable: false,
        nodeId: "fetch",
      },
      outputHash: null,
      createdAt: T0 - 3500,
      finishedAt: T0 - 3300,
      tokens: 0,
      costUsd: 0,
      held: false,
      archivedFrom: null,
    },
  ],
  nextCursor: null,
};

export const runDefinition: Out<typeof RunDefinition> = {
  workflowId: WORKFLOW_ID,
  version: 2,
  definition: storedDefinition,
  source: "version",
};

export const events: Out<typeof EventList> = {
  events: [
    { seq: 1, type: "run_started", at: T0 + 682, data: {} },
    {
      seq: 2,
      type: "node_started",
      at: T0 + 682,
      nodeId: "start",
      data: { attempt: 1, startedAt: T0 + 682 },
    },
    {
      seq: 3,
      type: "node_succeeded",
      at: T0 + 726,
      nodeId: "start",
      data: { attempt: 1, port: null, durationMs: 44, outputHash: HASH },
    },
  ],
  next: 3,
  nextCursor: "WzNd",
};

export const replay: z.input<typeof ReplayBody> = {
  fromNode: "done",
  input: { orderId: "ord_42" },
};

export const replayed: Out<typeof Replayed> = {
  runId: REPLAY_ID,
  replayOf: { sourceRunId: RUN_ID, fromNode: "done" },
};

/** A person's patch: a notification after the end node, proposed while the run waits. */
export const newPatch: PatchInput = {
  reason: "tell the warehouse",
  ops: [
    {
      op: "add_node",
      node: {
        id: "notify",
        type: "http",
        config: { method: "POST", url: "https://warehouse.example.com/orders" },
      },
    },
    { op: "add_edge", edge: { from: "done", to: "notify" } },
  ],
};

export const patch: Out<typeof PatchRecord> = {
  id: 1,
  source: { kind: "person", by: "Ada Lovelace", keyId: "key_0mx8t9r2c4d1" },
  ops: [
    {
      op: "add_node",
      node: {
        id: "notify",
        type: "http",
        config: { method: "POST", url: "https://warehouse.example.com/orders" },
        join: "all",
      },
    },
    { op: "add_edge", edge: { from: "done", to: "notify" } },
  ],
  reason: "tell the warehouse",
  status: "applied",
  proposedAt: T0 + 1200,
  decidedAt: T0 + 1204,
};

export const patches: Out<typeof PatchList> = { patches: [patch], nextCursor: null };
