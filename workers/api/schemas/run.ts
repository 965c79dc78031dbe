import { z } from "@hono/zod-openapi";
import { NODE_STATUSES, RUN_STATUSES } from "../../../core/scheduler/state";
import { RunEvent as WireEvent, ServerFrame as WireFrame } from "../../../core/wire/frames";
import { runViewSchemas } from "../../../core/wire/run-view";
import { NextCursor } from "./params";
import { Timestamp } from "./time";
import { WorkflowDefinition } from "./workflow";

export { RUN_STATUSES };
export const RunStatus = z.enum(RUN_STATUSES);

export const NodeStatus = z.enum(NODE_STATUSES);

// The run view's schemas are declared once in core/wire/run-view.ts; here they get their
// OpenAPI component names.
const view = runViewSchemas((schema, name) => schema.openapi(name));

/** An error as data: `retryable` says whether another attempt can help. */
export const NodeError = view.NodeError;

/** Why a run failed: the node's error and, when a node failed, which one. */
export const RunError = NodeError.extend({ nodeId: z.string().optional() }).openapi("RunError");

/** Model usage: of an agent node (over its attempts) or of the whole run. */
export const Usage = view.Usage;

/** What a run may spend on models. */
export const Budget = view.Budget;

/** One change to a running graph. */
export const PatchOp = view.PatchOp;

export const PatchProblem = view.PatchProblem;

/** A patch proposed to a run, with where it came from and what became of it. */
export const PatchRecord = view.PatchRecord;

export const PatchList = z.object({ patches: z.array(PatchRecord), nextCursor: NextCursor });

/** One node of a run (core/wire/node-view.ts), its error and usage named as components. */
export const RunNode = view.RunNode;

/** `GET /api/runs/:id`: the run with its node states, from its Durable Object. */
export const RunView = view.RunView;
export type RunView = z.infer<typeof RunView>;

/** Approvals as the run view and the approvals routes show them (schemas/approval.ts). */
export const { Approval, ApprovalStatus, Vote, VoteSummary, RunApproval } = view;

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
    held: z.boolean().describe("Pinned against retention (`PUT /api/runs/{id}/hold`)"),
    archivedFrom: z
      .string()
      .nullable()
      .describe(
        "An archived run imported from an export (`POST /api/runs/import`): its id where it ran. Read-only.",
      ),
  })
  .openapi("RunSummary");

/** `GET /api/runs/:id/definition`: the definition a run ran. */
export const RunDefinition = z
  .object({
    workflowId: z.string(),
    version: z.number().int(),
    definition: WorkflowDefinition,
    source: z
      .enum(["version", "archive"])
      .describe("Its workflow's version, or the archive an archived run was imported from"),
  })
  .openapi("RunDefinition");

export const RunList = z.object({ runs: z.array(RunSummary), nextCursor: NextCursor });

/** One entry of a run's gapless event log (the wire schema of core/, shared with the socket). */
export const RunEvent = WireEvent.openapi("RunEvent");
export type RunEvent = z.infer<typeof RunEvent>;

/** What `GET /api/runs/:id/ws` sends: `hello`, then `events`, `delta`, `pong` and `error` frames. */
export const ServerFrame = WireFrame.openapi("ServerFrame");

/** One page of a run's event log (`GET /api/runs/:id/events`). */
export const EventList = z.object({
  events: z.array(RunEvent),
  nextCursor: NextCursor,
  next: z
    .number()
    .int()
    .nullable()
    .describe(
      "The `after` of the next page, or null when this page reached the end of the log as it stands (a live run adds more: ask again with `after` = the last `seq` seen).",
    ),
});

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
export type StartRunBody = z.infer<typeof StartRunBody>;

export const RunStarted = z.object({
  runId: z.string(),
  workflowId: z.string(),
  version: z.number().int(),
  status: z
    .enum(["running", "queued"])
    .describe(
      "`queued`: the workflow's concurrency limit is reached; the run starts when a slot frees (docs/FLOW-CONTROL.md).",
    ),
  queue: z
    .object({
      position: z.number().int().describe("1: the next to start."),
      key: z.string().nullable().describe("The concurrency key's value; null without a key."),
    })
    .optional(),
});
export type RunStarted = z.infer<typeof RunStarted>;

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
