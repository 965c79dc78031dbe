import { z } from "@hono/zod-openapi";
import { RunEvent as WireEvent, ServerFrame as WireFrame } from "../../../core/wire/frames";
import { RunApproval } from "./approval";
import { Timestamp } from "./time";

export const RUN_STATUSES = ["running", "waiting", "completed", "failed", "cancelled"] as const;
export const RunStatus = z.enum(RUN_STATUSES);

export const NodeStatus = z.enum([
  "pending",
  "queued",
  "running",
  "waiting",
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
]);

/** An error as data: `retryable` says whether another attempt can help. */
export const NodeError = z
  .object({
    code: z.string(),
    message: z.string(),
    retryable: z.boolean(),
    retryAfterMs: z.number().optional(),
  })
  .openapi("NodeError");

/** Why a run failed: the node's error and, when a node failed, which one. */
export const RunError = NodeError.extend({ nodeId: z.string().optional() }).openapi("RunError");

export const RunNode = z
  .object({
    id: z.string(),
    type: z.string(),
    status: NodeStatus,
    attempt: z.number().int(),
    iteration: z.number().int(),
    port: z
      .string()
      .nullable()
      .optional()
      .describe("The outcome port taken (condition, switch, approval)."),
    outputHash: z.string().optional(),
    output: z
      .unknown()
      .optional()
      .describe("Inline when at most 64 KiB; otherwise fetch `GET /api/blobs/{outputHash}`."),
    error: NodeError.optional(),
    startedAt: Timestamp.optional(),
    finishedAt: Timestamp.optional(),
    progress: z
      .object({ done: z.number().int(), total: z.number().int() })
      .optional()
      .describe("A map's items done out of all."),
  })
  .openapi("RunNode");

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
  })
  .nullable();

/** `GET /api/runs/:a/diff/:b`: two runs compared node by node. */
export const RunDiff = z
  .object({
    a: z.object({ id: z.string(), status: RunStatus, version: z.number().int() }),
    b: z.object({ id: z.string(), status: RunStatus, version: z.number().int() }),
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
