import { z } from "@hono/zod-openapi";
import { Timestamp } from "./time";

export const APPROVAL_STATUSES = [
  "pending",
  "approved",
  "rejected",
  "timeout",
  "cancelled",
] as const;
export const ApprovalStatus = z.enum(APPROVAL_STATUSES);

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

/** A recorded vote; `by` is the API key's name. */
export const Vote = z.object({
  by: z.string(),
  decision: z.enum(["approve", "reject"]),
  comment: z.string().optional(),
  data: z.unknown().optional(),
  at: Timestamp,
});

/** A vote as lists show it: without its form data. */
export const VoteSummary = Vote.omit({ data: true });

/** An approval request of a run's approval node, with its votes so far. */
export const Approval = z
  .object({
    nodeId: z.string(),
    attempt: z.number().int(),
    message: z.string(),
    form: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("The JSON Schema of the form the approver fills in, if any."),
    required: z.number().int().describe("How many distinct approvers must approve."),
    expiresAt: Timestamp.optional(),
    status: ApprovalStatus,
    createdAt: Timestamp,
    decidedAt: Timestamp.optional(),
    votes: z.array(Vote),
  })
  .openapi("Approval");

/** An approval as the run view shows it (votes without form data). */
export const RunApproval = Approval.extend({ votes: z.array(VoteSummary) });

/** One entry of the approvals inbox (`GET /api/approvals`). */
export const InboxApproval = z
  .object({
    runId: z.string(),
    nodeId: z.string(),
    attempt: z.number().int(),
    workflowId: z.string(),
    status: ApprovalStatus,
    message: z.string(),
    form: z.record(z.string(), z.unknown()).nullable(),
    required: z.number().int(),
    votes: z.array(VoteSummary),
    createdAt: Timestamp,
    expiresAt: Timestamp.nullable(),
    decidedAt: Timestamp.nullable(),
  })
  .openapi("InboxApproval");
export type InboxApproval = z.infer<typeof InboxApproval>;

export const Inbox = z.object({ approvals: z.array(InboxApproval) });
