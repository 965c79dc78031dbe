import { z } from "zod";
import { ROLES } from "../people/roles";
import { COST_MS } from "./cost";
import { defineKind, NO_RETRY } from "./kind";

/**
 * Who may decide (docs/PEOPLE.md): users by id or email, and roles. Literal values only (no
 * templates): run-time data cannot choose its own approvers.
 */
export const Approvers = z
  .strictObject({
    users: z.array(z.string().min(1).max(320)).max(50).optional(),
    roles: z.array(z.enum(ROLES)).max(ROLES.length).optional(),
  })
  .refine((a) => (a.users?.length ?? 0) + (a.roles?.length ?? 0) > 0, {
    message: "name at least one user or role (or leave `approvers` out: anyone with `approve`)",
  });
export type Approvers = z.infer<typeof Approvers>;

/** A notification channel's name (docs/PEOPLE.md, "Notifications"). */
export const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

export const ApprovalConfig = z
  .strictObject({
    /** What the approver reads; may contain `{{ templates }}`. */
    message: z.string().min(1).max(10_000),
    /** Optional JSON Schema of a form; the submitted data becomes the node output's `data`. */
    form: z.record(z.string(), z.unknown()).optional(),
    /** Without a decision after this long, the node takes the `onTimeout` port. None: waits forever. */
    timeoutSeconds: z.number().int().min(1).max(31_536_000).optional(),
    onTimeout: z.enum(["timeout", "rejected", "approved"]).default("timeout"),
    /** Who may decide; without it, anyone whose key has the `approve` scope. */
    approvers: Approvers.optional(),
    /** Distinct approving users needed (default 1). */
    quorum: z.number().int().min(1).max(50).optional(),
    /** The older name of `quorum`. */
    required: z.number().int().min(1).max(50).optional(),
    /** `any`: the first rejection rejects; `majority`: rejections reaching a majority of the quorum. */
    rejectIf: z.enum(["any", "majority"]).default("any"),
    /** Notification channels (by name) told of this approval, besides the tenant's own. */
    notify: z.array(z.string().regex(CHANNEL_NAME)).max(10).optional(),
    /**
     * At the first timeout, instead of the timeout port: these approvers are added and told
     * (notified), and the approval waits `timeoutSeconds` more before taking the timeout port.
     */
    escalate: z
      .strictObject({
        approvers: Approvers,
        timeoutSeconds: z.number().int().min(1).max(31_536_000),
      })
      .optional(),
  })
  .refine((c) => c.quorum === undefined || c.required === undefined, {
    message: "give `quorum` or its older name `required`, not both",
    path: ["required"],
  })
  .refine((c) => c.escalate === undefined || c.timeoutSeconds !== undefined, {
    message: "an escalation happens at the timeout: give `timeoutSeconds` too",
    path: ["escalate"],
  });
export type ApprovalConfig = z.infer<typeof ApprovalConfig>;

/** What one person decides on an approval. */
export type VoteDecision = "approve" | "reject";

export const approval = defineKind({
  type: "approval",
  title: "Approval",
  description:
    "Waits for people to approve or reject (ports approved, rejected, timeout); optional form, quorum and timeout.",
  status: "active",
  execution: "wait",
  config: ApprovalConfig,
  ports: () => ["approved", "rejected", "timeout"],
  expressions: () => [],
  defaults: { retry: NO_RETRY, timeoutMs: 10_000 },
  traits: {
    wait: { for: "person", timeoutPort: (c) => c.onTimeout },
    costMs: () => COST_MS.approval,
  },
});
