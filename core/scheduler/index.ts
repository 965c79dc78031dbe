export { retryDelayMs } from "./backoff";
export type { Command, RunEventDraft, RunEventType } from "./commands";
export type { StepOptions, StepResult } from "./scheduler";
export { leaseGraceMs, MAX_REDELIVERIES, step, timerKey } from "./scheduler";
export type { ChainResult, Outcome, Signal, Timer, TimerKind } from "./signals";
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
export { ACTIVE, createRunState, TERMINAL_RUN } from "./state";
export { QUEUE_WINDOW, queueWindow } from "./window";
