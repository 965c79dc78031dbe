/**
 * A run's spans (core/telemetry) in OTLP, by the official serializers of
 * `@opentelemetry/otlp-transformer`: protobuf for the export (OTLP/HTTP, the encoding every
 * collector takes) and JSON for `GET /api/runs/{id}/trace`. Only the serializers are imported,
 * not an SDK: the spans are finished records, so nothing records or samples here.
 */

import { SpanKind, SpanStatusCode, TraceFlags } from "@opentelemetry/api";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";
import type { TraceSpan } from "../../core/telemetry";

/** What the serializers take: the SDK's finished span, as the serializer itself declares it. */
type ReadableSpan = Parameters<typeof ProtobufTraceSerializer.serializeRequest>[0][number];

/** The instrumentation scope every span is reported under. */
export const SCOPE_NAME = "aob";

const STATUS = {
  unset: SpanStatusCode.UNSET,
  ok: SpanStatusCode.OK,
  error: SpanStatusCode.ERROR,
} as const;

const hrTime = (ms: number): [number, number] => [
  Math.floor(ms / 1000),
  Math.round((ms % 1000) * 1e6),
];

function readable(spans: readonly TraceSpan[], version: string): ReadableSpan[] {
  // One resource and one scope object for all: the serializers group spans by identity.
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: "aob",
    [ATTR_SERVICE_VERSION]: version,
  });
  const scope = { name: SCOPE_NAME, version };
  return spans.map((s) => {
    const context = { traceId: s.traceId, spanId: s.spanId, traceFlags: TraceFlags.SAMPLED };
    const durationMs = s.endMs - s.startMs;
    return {
      name: s.name,
      kind: SpanKind.INTERNAL,
      spanContext: () => context,
      ...(s.parentSpanId
        ? {
            parentSpanContext: {
              traceId: s.traceId,
              spanId: s.parentSpanId,
              traceFlags: TraceFlags.SAMPLED,
              isRemote: s.parentRemote === true,
            },
          }
        : {}),
      startTime: hrTime(s.startMs),
      endTime: hrTime(s.endMs),
      duration: hrTime(durationMs),
      ended: true,
      status:
        s.status.message === undefined
          ? { code: STATUS[s.status.code] }
          : { code: STATUS[s.status.code], message: s.status.message },
      attributes: s.attributes,
      links: [],
      events: [],
      resource,
      instrumentationScope: scope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    };
  });
}

/** An `ExportTraceServiceRequest` in protobuf: the body of an OTLP/HTTP export. */
export function otlpProtobuf(spans: readonly TraceSpan[], version: string): Uint8Array {
  return ProtobufTraceSerializer.serializeRequest(readable(spans, version)) ?? new Uint8Array();
}

/** The same request in OTLP's JSON encoding (ids as hex, times as nanosecond strings). */
export function otlpJson(spans: readonly TraceSpan[], version: string): string {
  const bytes = JsonTraceSerializer.serializeRequest(readable(spans, version));
  return new TextDecoder().decode(bytes ?? new Uint8Array());
}
