import { z } from "@hono/zod-openapi";
import { Budget as CoreBudget } from "../../../core/agents/budget";
import { PatchOp as CorePatchOp } from "../../../core/patches/ops";
import { NODE_STATUSES, RUN_STATUSES } from "../../../core/scheduler/state";
import { RunEvent as WireEvent, ServerFrame as WireFrame } from "../../../core/wire/frames";
import {
  NodeView,
  NodeError as WireNodeError,
  Usage as WireUsage,
} from "../../../core/wire/node-view";
import { RunApproval } from "./approval";
import { Timestamp } from "./time";

export { RUN_STATUSES };
export const RunStatus = z.enum(RUN_STATUSES);

export const NodeStatus = z.enum(NODE_STATUSES);

/** An error as data: `retryable` says whether another attempt can help. */
export const NodeError = WireNodeError.openapi("NodeError");

/** Why a run failed: the node's error and, when a node failed, which one. */
export const RunError = NodeError.extend({ nodeId: z.string().optional() }).openapi("RunError");

/** Model usage: of an agent node (over its attempts) or of the whole run. */
export const Usage = WireUsage.openapi("Usage");

/** What a run may spend on models. */
export const Budget = CoreBudget.openapi("Budget");

/** One change to a running graph. */
export const PatchOp = CorePatchOp.openapi("PatchOp");

export const PatchProblem = z
  .object({
    path: z.array(z.union([z.string(), z.number()])),
    at: z.string().openapi({ example: "ops[1].edge.to" }),
    code: z.string(),
    message: z.string(),
  })
  .openapi("PatchProblem");

/** A patch proposed to a run, with where it came from and what became of it. */
export const PatchRecord = z
  .object({
    id: z.number().int().describe("Order of proposal within the run, from 1."),
    source: z.union([
      z.object({ kind: z.literal("agent"), nodeId: z.string(), attempt: z.number().int() }),
      z.object({ kind: z.literal("person"), by: z.string(), keyId: z.string() }),
    ]),
    ops: z.array(PatchOp),
    reason: z.string().optional(),
    status: z.enum(["proposed", "applied", "rejected"]),
    problems: z.array(PatchProblem).optional(),
    proposedAt: Timestamp,
    decidedAt: Timestamp.optional(),
  })
  .openapi("PatchRecord");

export const PatchList = z.object({ patches: z.array(PatchRecord) });

/** One node of a run (core/wire/node-view.ts), its error and usage named as components. */
export const RunNode = NodeView.extend({
  error: NodeError.optional(),
  usage: Usage.optional().describe("An agent node's model usage over its attempts."),
}).openapi("RunNode");

/** `GET /api/runs/:id`: the run with its node states, from its Durable Object. */
export const RunView = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    version: z.number().int(),
    status: RunStatus,
    tokens: z.number().int().describe("Nodes in flight or parked; the run ends when it reaches 0."),
    createdAt: Timestamp,
    finishedAt: Timestamp.optional(),
    nodes: z.array(RunNode),
    output: z.unknown().optional(),
    outputHash: z.string().optional(),
    error: NodeError.extend({ nodeId: z.string() }).optional(),
    lastSeq: z
      .number()
      .int()
      .describe("The last event's `seq`: resume the event log or the WebSocket after it."),
    replayOf: z.object({ sourceRunId: z.string(), fromNode: z.string() }).optional(),
    usage: Usage.extend({ budget: Budget.optional() }).describe(
      "The run's model usage, and its budget (as raised by approvals) when it has one.",
    ),
    patches: z.array(PatchRecord),
    optimiser: z
      .object({
        kernels: z.string().describe("Which kernels ran: the WebAssembly module or the reference."),
        rewrites: z.array(
          z.object({
            pass: z.string(),
            nodes: z.array(z.string()),
            reason: z.string(),
            detail: z.record(z.string(), z.unknown()).optional(),
          }),
        ),
        plan: z
          .object({
            makespanMs: z.number(),
            criticalPath: z.array(z.string()),
            levels: z.number().int(),
            widest: z.number().int(),
          })
          .optional(),
      })
      .optional()
      .describe("What the optimiser changed in this run's graph, and why (docs/OPTIMISER.md)."),
    approvals: z.array(RunApproval),
  })
  .openapi("RunView");
export type RunView = z.infer<typeof RunView>;

/** A run as `GET /api/runs` lists it (from D1). */
export const RunSummary = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    version: z.number().int(),
    status: RunStatus,
    // A union, not .nullable(): zod-to-openapi would put the null inside the extended ref.
    error: z.union([RunError, z.null()]),
    outputHash: z.string().nullable(),
    createdAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    tokens: z.number().int().describe("Model tokens, as of the run's last status change."),
    costUsd: z.number().nullable(),
  })
  .openapi("RunSummary");

export const RunList = z.object({ runs: z.array(RunSummary) });

/** One entry of a run's gapless event log (the wire schema of core/, shared with the socket). */
export const RunEvent = WireEvent.openapi("RunEvent");
export type RunEvent = z.infer<typeof RunEvent>;

/** What `GET /api/runs/:id/ws` sends: `hello`, then events, `pong` and `error` frames. */
export const ServerFrame = WireFrame.openapi("ServerFrame");

export const EventList = z.object({ events: z.array(RunEvent) });

/** `POST /api/workflows/:id/runs`. */
export const StartRunBody = z
  .strictObject({
    input: z.unknown().optional(),
    version: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("A stored version; the latest when left out."),
    budget: Budget.optional().describe("Overrides the workflow's model budget for this run."),
  })
  .openapi("StartRun");

export const RunStarted = z.object({
  runId: z.string(),
  workflowId: z.string(),
  version: z.number().int(),
});

/** `POST /api/runs/:id/replay`. */
export const ReplayBody = z
  .strictObject({
    fromNode: z
      .string()
      .min(1)
      .max(63)
      .describe("The node to execute again; every node upstream of it reuses its recorded output."),
    input: z
      .unknown()
      .optional()
      .describe("A new run input; the source run's input when left out."),
  })
  .openapi("Replay");

export const Replayed = z.object({
  runId: z.string(),
  replayOf: z.object({ sourceRunId: z.string(), fromNode: z.string() }),
});

const DiffSide = z
  .object({
    status: NodeStatus,
    attempt: z.number().int(),
    outputHash: z.string().nullable(),
    durationMs: z.number().nullable(),
    tokens: z.number().int(),
    costUsd: z.number().nullable(),
  })
  .nullable();

/** `GET /api/runs/:a/diff/:b`: two runs compared node by node. */
export const RunDiff = z
  .object({
    a: z.object({
      id: z.string(),
      status: RunStatus,
      version: z.number().int(),
      tokens: z.number().int(),
    }),
    b: z.object({
      id: z.string(),
      status: RunStatus,
      version: z.number().int(),
      tokens: z.number().int(),
    }),
    nodes: z.array(
      z.object({
        id: z.string(),
        a: DiffSide,
        b: DiffSide,
        sameStatus: z.boolean(),
        sameOutput: z.boolean(),
      }),
    ),
  })
  .openapi("RunDiff");
