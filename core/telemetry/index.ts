/** Runs as OpenTelemetry traces, in plain data: derived ids and the spans of a finished run. */
export { attemptSpanIdOf, runSpanIdOf, traceIdOf } from "./ids";
export {
  type AttemptRecord,
  buildRunTrace,
  MAX_STATUS_MESSAGE,
  type RunEnd,
  type RunTraceInput,
  type SpanValue,
  type TraceSpan,
} from "./run-trace";
