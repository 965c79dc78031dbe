import { z } from "zod";
import { COST_MS } from "./cost";
import { defineKind, NO_RETRY } from "./kind";

export const ApprovalConfig = z.strictObject({
  /** What the approver reads; may contain `{{ templates }}`. */
  message: z.string().min(1).max(10_000),
  /** Optional JSON Schema of a form; the submitted data becomes the node output's `data`. */
  form: z.record(z.string(), z.unknown()).optional(),
  /** Without a decision after this long, the node takes the `onTimeout` port. None: waits forever. */
  timeoutSeconds: z.number().int().min(1).max(31_536_000).optional(),
  onTimeout: z.enum(["timeout", "rejected", "approved"]).default("timeout"),
  /** Distinct approvers needed (quorum). Any rejection rejects. */
  required: z.number().int().min(1).max(50).default(1),
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
