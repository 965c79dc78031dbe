import {
  NODE_STATUSES,
  type NodeStatus,
  RUN_STATUSES,
  type RunStatus,
} from "../../../core/scheduler/state";

/** Node and run statuses, as the engine declares them (core/scheduler/state.ts). */
export { NODE_STATUSES, type NodeStatus, RUN_STATUSES, type RunStatus };

export function asNodeStatus(value: string): NodeStatus {
  return (NODE_STATUSES as readonly string[]).includes(value) ? (value as NodeStatus) : "pending";
}

export function isRunOver(status: RunStatus): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}
