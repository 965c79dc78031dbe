/** Runs as OpenTelemetry traces: OTLP serialisation (otlp.ts) and the export (export.ts). */
export {
  OTLP_SEAL,
  type OtlpTarget,
  OtlpTargetError,
  otlpTarget,
  postTrace,
  type TraceDelivery,
} from "./export";
export { otlpJson, otlpProtobuf, SCOPE_NAME } from "./otlp";
