/** What the audit log records (docs/PEOPLE.md, "Audit log"): the API writes them, the UI filters by them. */
export const AUDIT_ACTIONS = [
  "workflow.create",
  "workflow.update",
  "workflow.delete",
  "trigger.update",
  "secret.put",
  "secret.delete",
  "key.create",
  "key.revoke",
  "user.create",
  "user.update",
  "user.delete",
  "retention.update",
  "retention.delete",
  "approval.decide",
  "run.patch",
  "run.cancel",
  "run.delete",
  "run.hold",
  "session.create",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
