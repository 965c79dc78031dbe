import type { NodeError } from "../errors";
import type { Timer } from "./signals";
import type { RunStatus } from "./state";

/** Every event a run records, in its gapless log (and on its WebSocket). */
export const RUN_EVENT_TYPES = [
  /** Admitted while its workflow's concurrency limit was reached (docs/FLOW-CONTROL.md). */
  "run_queued",
  "run_started",
  "node_queued",
  "node_started",
  "node_succeeded",
  "node_failed",
  "node_retrying",
  "node_skipped",
  "node_waiting",
  "map_item_succeeded",
  "map_item_failed",
  "approval_required",
  "approval_voted",
  "approval_escalated",
  "approval_decided",
  "notification_sent",
  "notification_failed",
  /** The run's trace reached the tenant's OTLP endpoint, or gave up (docs/OBSERVABILITY.md). */
  "trace_exported",
  "trace_export_failed",
  "patch_proposed",
  "patch_applied",
  "patch_rejected",
  /** A running agent called one of its MCP or custom http tools (core/wire/tool-call.ts). */
  "tool_called",
  "run_completed",
  "run_failed",
  "run_cancelled",
] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

/** A run event before the DO gives it a seq and a time. */
export interface RunEventDraft {
  type: RunEventType;
  nodeId?: string;
  data?: Record<string, unknown>;
}

/** What the scheduler asks the RunObject to do. */
export type Command =
  | {
      type: "execute";
      nodeId: string;
      attempt: number;
      iteration: number;
      mode: "inline" | "queued" | "wait";
      timeoutMs: number;
    }
  | {
      type: "execute_item";
      nodeId: string;
      attempt: number;
      index: number;
      itemAttempt: number;
      mode: "inline" | "queued";
      timeoutMs: number;
    }
  | { type: "set_timer"; timer: Timer }
  | { type: "clear_timer"; key: string }
  | { type: "emit"; event: RunEventDraft }
  | {
      type: "finish";
      status: Extract<RunStatus, "completed" | "failed" | "cancelled">;
      error?: NodeError;
    };
