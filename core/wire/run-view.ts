import { z } from "zod";
import { Budget as CoreBudget } from "../agents/budget";
import { PatchOp as CorePatchOp } from "../patches/ops";
import { ROLES } from "../people/roles";
import { RUN_STATUSES } from "../scheduler/state";
import { NodeView, NodeError as WireNodeError, Usage as WireUsage } from "./node-view";

/**
 * A run as its RunObject shows it (`GET /api/runs/:id`), with its patches and approvals:
 * declared once here. The object builds it (durable-objects/run/snapshot.ts) typed from these
 * schemas; the API builds the same schemas with `named` giving each component its OpenAPI name
 * (workers/api/schemas/run.ts), so the document and the object cannot drift apart.
 */

/** Gives a schema its component name (the API's `.openapi(name)`); the identity here. */
export type Named = <S extends z.ZodType>(schema: S, name: string) => S;

const unnamed: Named = (schema) => schema;

/** A point in time: milliseconds since the Unix epoch. */
const Timestamp = z.number().int().describe("Milliseconds since the Unix epoch");

export const APPROVAL_STATUSES = [
  "pending",
  "approved",
  "rejected",
  "timeout",
  "cancelled",
] as const;

/** Builds the run view's schemas; `named` names the components (see above). */
export function runViewSchemas(named: Named = unnamed) {
  const NodeError = named(WireNodeError, "NodeError");
  const Usage = named(WireUsage, "Usage");
  const Budget = named(CoreBudget, "Budget");
  const PatchOp = named(CorePatchOp, "PatchOp");

  const PatchProblem = named(
    z.object({
      path: z.array(z.union([z.string(), z.number()])),
      at: z.string().describe("The problem's path as text, e.g. ops[1].edge.to"),
      code: z.string(),
      message: z.string(),
    }),
    "PatchProblem",
  );

  /** A patch proposed to a run, with where it came from and what became of it. */
  const PatchRecord = named(
    z.object({
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
    }),
    "PatchRecord",
  );

  /** One node of a run, its error and usage named as components. */
  const RunNode = named(
    NodeView.extend({
      error: NodeError.optional(),
      usage: Usage.optional().describe("An agent node's model usage over its attempts."),
    }),
    "RunNode",
  );

  const ApprovalStatus = z.enum(APPROVAL_STATUSES);

  /** A recorded vote; `by` is the API key's name. */
  const Vote = z.object({
    by: z.string().describe("The voter's name as it was when they voted."),
    userId: z
      .string()
      .optional()
      .describe("The voting user (absent on votes cast before users existed)."),
    decision: z.enum(["approve", "reject"]),
    comment: z.string().optional(),
    data: z.unknown().optional(),
    at: Timestamp,
  });

  /** A vote as lists show it: without its form data. */
  const VoteSummary = Vote.omit({ data: true });

  /** An approval request of a run's approval node, with its votes so far. */
  const Approval = named(
    z.object({
      nodeId: z.string(),
      attempt: z.number().int(),
      iteration: z
        .number()
        .int()
        .optional()
        .describe("The loop iteration the node's attempt ran in (0: not in a loop, or its first)."),
      message: z.string(),
      form: z
        .record(z.string(), z.unknown())
        .optional()
        .describe("The JSON Schema of the form the approver fills in, if any."),
      required: z.number().int().describe("How many distinct users must approve (the quorum)."),
      approvers: z
        .object({
          users: z.array(z.string()).optional(),
          roles: z.array(z.enum(ROLES)).optional(),
        })
        .optional()
        .describe("Who may decide (user ids or emails, roles); absent: anyone with `approve`."),
      rejectIf: z
        .enum(["any", "majority"])
        .optional()
        .describe(
          "`any` (absent): the first rejection rejects; `majority`: a majority of the quorum.",
        ),
      expiresAt: Timestamp.optional(),
      status: ApprovalStatus,
      createdAt: Timestamp,
      decidedAt: Timestamp.optional(),
      votes: z.array(Vote),
    }),
    "Approval",
  );

  /** An approval as the run view shows it (votes without form data). */
  const RunApproval = Approval.extend({ votes: z.array(VoteSummary) });

  const RunView = named(
    z.object({
      id: z.string(),
      workflowId: z.string(),
      version: z.number().int(),
      status: z.enum(RUN_STATUSES),
      tokens: z
        .number()
        .int()
        .describe("Nodes in flight or parked; the run ends when it reaches 0."),
      createdAt: Timestamp,
      finishedAt: Timestamp.optional(),
      held: z
        .boolean()
        .optional()
        .describe(
          "Pinned against retention (`PUT /api/runs/{id}/hold`); given by `GET /api/runs/{id}`.",
        ),
      nodes: z.array(RunNode),
      output: z
        .unknown()
        .optional()
        .describe(
          "The run's output; absent when over 64 KiB (fetch `GET /api/blobs/{outputHash}`).",
        ),
      outputHash: z.string().optional(),
      outputBytes: z.number().int().optional(),
      error: NodeError.extend({ nodeId: z.string() }).optional(),
      lastSeq: z
        .number()
        .int()
        .describe("The last event's `seq`: resume the event log or the WebSocket after it."),
      replayOf: z.object({ sourceRunId: z.string(), fromNode: z.string() }).optional(),
      queue: z
        .object({
          position: z
            .number()
            .int()
            .nullable()
            .describe("1: the next to start; null once it left the queue."),
          key: z.string().nullable().describe("Its concurrency key's value; null without a key."),
        })
        .optional()
        .describe(
          "A run queued behind its workflow's concurrency limit (docs/FLOW-CONTROL.md): where it waits. Its nodes appear once it starts.",
        ),
      parent: z
        .object({
          runId: z.string(),
          nodeId: z.string(),
          attempt: z.number().int(),
          item: z
            .object({ index: z.number().int(), attempt: z.number().int() })
            .optional()
            .describe("A map over a sub-workflow: the item this child runs, and its try."),
          depth: z.number().int().describe("How deep it nests: a root run's child is at 1."),
          rootRunId: z
            .string()
            .optional()
            .describe(
              "The run at the root of its tree, which counts the run limits for the whole tree (absent in runs started before it was recorded).",
            ),
        })
        .optional()
        .describe("A child run: the parent run and the subworkflow node attempt it answers."),
      archived: z
        .object({
          sourceRunId: z.string(),
          workflowName: z.string().nullable(),
          exportedAt: Timestamp,
          importedAt: Timestamp,
        })
        .optional()
        .describe(
          "Set on a run imported from an export (`POST /api/runs/import`): read-only, kept until deleted.",
        ),
      usage: Usage.extend({ budget: Budget.optional() }).describe(
        "The run's model usage, and its budget (as raised by approvals) when it has one.",
      ),
      patches: z.array(PatchRecord),
      optimiser: z
        .object({
          kernels: z
            .string()
            .describe("Which kernels ran: the WebAssembly module or the reference."),
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
    }),
    "RunView",
  );

  return {
    NodeError,
    Usage,
    Budget,
    PatchOp,
    PatchProblem,
    PatchRecord,
    RunNode,
    ApprovalStatus,
    Vote,
    VoteSummary,
    Approval,
    RunApproval,
    RunView,
  };
}

const plain = runViewSchemas();

export type RunView = z.infer<typeof plain.RunView>;
export type PatchRecord = z.infer<typeof plain.PatchRecord>;
export type PatchProblem = z.infer<typeof plain.PatchProblem>;
export type PatchStatus = PatchRecord["status"];
export type ApprovalStatus = z.infer<typeof plain.ApprovalStatus>;
export type Vote = z.infer<typeof plain.Vote>;
export type ApprovalRequest = z.infer<typeof plain.Approval>;
