import { z } from "@hono/zod-openapi";
import { ROLES } from "../../../core/people/roles";
import { NextCursor } from "./params";
import { ApprovalStatus, VoteSummary } from "./run";
import { Timestamp } from "./time";

export { APPROVAL_STATUSES } from "../../../core/wire/run-view";
export { Approval, ApprovalStatus, RunApproval, Vote, VoteSummary } from "./run";

/** `POST /api/runs/:id/approvals/:nodeId`: one person's vote. */
export const Decision = z
  .strictObject({
    decision: z.enum(["approve", "reject"]),
    comment: z.string().max(5000).optional(),
    data: z
      .unknown()
      .optional()
      .describe("Form data, validated against the approval's JSON Schema when it has one."),
  })
  .openapi("Decision");
export type Decision = z.infer<typeof Decision>;

/** One entry of the approvals inbox (`GET /api/approvals`). */
export const InboxApproval = z
  .object({
    runId: z.string(),
    nodeId: z.string(),
    attempt: z.number().int(),
    iteration: z
      .number()
      .int()
      .nullable()
      .describe(
        "The loop iteration of the node's attempt (null: recorded before iterations were).",
      ),
    parent: z
      .object({
        runId: z.string(),
        nodeId: z.string(),
        item: z.number().int().optional().describe("The map item whose child this run is."),
      })
      .nullable()
      .describe("When the run is a sub-workflow's child: the parent run and node that started it."),
    workflowId: z.string(),
    status: ApprovalStatus,
    message: z.string(),
    form: z.record(z.string(), z.unknown()).nullable(),
    required: z.number().int().describe("How many distinct users must approve (the quorum)."),
    approvers: z
      .object({
        users: z.array(z.string()).optional(),
        roles: z.array(z.enum(ROLES)).optional(),
      })
      .nullable()
      .describe("Who may decide (user ids or emails, roles); null: anyone with `approve`."),
    rejectIf: z.enum(["any", "majority"]),
    votes: z.array(VoteSummary),
    createdAt: Timestamp,
    expiresAt: Timestamp.nullable(),
    decidedAt: Timestamp.nullable(),
  })
  .openapi("InboxApproval");
export type InboxApproval = z.infer<typeof InboxApproval>;

export const Inbox = z.object({ approvals: z.array(InboxApproval), nextCursor: NextCursor });
