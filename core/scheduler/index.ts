export { retryDelayMs } from "./backoff";
export type { Command, RunEventDraft, RunEventType } from "./commands";
export { leaseGraceMs, MAX_REDELIVERIES, step, timerKey } from "./scheduler";
export type { StepResult } from "./scheduler";
export type { Outcome, Signal, Timer, TimerKind } from "./signals";
export { ACTIVE, createRunState, TERMINAL_RUN } from "./state";
export type {
  EdgeState,
  ItemStatus,
  MapProgress,
  NodeState,
  NodeStatus,
  RunFailure,
  RunState,
  RunStatus,
} from "./state";
