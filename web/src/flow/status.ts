/** Node statuses of a run, as the engine reports them. */
export const NODE_STATUSES = [
  "pending",
  "queued",
  "running",
  "waiting",
  "succeeded",
  "failed",
  "skipped",
  "cancelled",
] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

export const RUN_STATUSES = ["running", "waiting", "completed", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export function asNodeStatus(value: string): NodeStatus {
  return (NODE_STATUSES as readonly string[]).includes(value) ? (value as NodeStatus) : "pending";
}

export function isRunOver(status: RunStatus): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}
