import { createRequire } from "node:module";

/**
 * The test collector's decoding (test/support/http-fixture.ts, `/otlp/...`): OTLP/HTTP bodies
 * are decoded with the official OpenTelemetry protobuf types, the static module generated from
 * opentelemetry-proto that `@opentelemetry/otlp-transformer` shipped until 0.216 (installed as
 * the dev dependency `otlp-proto-decoder`; later releases encode by hand and export no request
 * decoder). Only that module is loaded, with protobufjs: none of that release's SDK code.
 */

/** One span as received, its ids in hex and its attributes as a plain object. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, string | number | boolean>;
  status: { code: number; message?: string };
  resource: Record<string, string | number | boolean>;
  scope: { name: string; version?: string };
}

interface AnyValue {
  stringValue?: string;
  intValue?: string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface DecodedRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      scope?: { name: string; version?: string };
      spans?: (Omit<ReceivedSpan, "attributes" | "resource" | "scope" | "status"> & {
        attributes?: KeyValue[];
        status?: { code?: number; message?: string };
      })[];
    }[];
  }[];
}

/** What this test uses of the generated message class (its .d.ts declares only a Root). */
interface MessageType {
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: Record<string, unknown>): DecodedRequest;
}

const generated = createRequire(import.meta.url)(
  "otlp-proto-decoder/build/src/generated/root.js",
) as { opentelemetry: { proto: { collector: { trace: { v1: Record<string, MessageType> } } } } };
const ExportTraceServiceRequest =
  generated.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest!;

const hex = (base64: string | undefined) => Buffer.from(base64 ?? "", "base64").toString("hex");

function plain(attributes: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of attributes ?? []) {
    if (value?.stringValue !== undefined) out[key] = value.stringValue;
    else if (value?.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value?.doubleValue !== undefined) out[key] = value.doubleValue;
    else if (value?.boolValue !== undefined) out[key] = value.boolValue;
  }
  return out;
}

/** An `ExportTraceServiceRequest` body, decoded; throws on bytes that are not one. */
export function decodeTraceRequest(body: Uint8Array): ReceivedSpan[] {
  const message = ExportTraceServiceRequest.decode(body);
  const request = ExportTraceServiceRequest.toObject(message, {
    longs: String,
    bytes: String,
    enums: Number,
  });
  return (request.resourceSpans ?? []).flatMap((rs) =>
    (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((s) => ({
        traceId: hex(s.traceId),
        spanId: hex(s.spanId),
        parentSpanId: hex(s.parentSpanId),
        name: s.name,
        kind: s.kind,
        startTimeUnixNano: s.startTimeUnixNano,
        endTimeUnixNano: s.endTimeUnixNano,
        attributes: plain(s.attributes),
        status: {
          code: s.status?.code ?? 0,
          ...(s.status?.message ? { message: s.status.message } : {}),
        },
        resource: plain(rs.resource?.attributes),
        scope: ss.scope ?? { name: "" },
      })),
    ),
  );
}
