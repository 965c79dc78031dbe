import { z } from "@hono/zod-openapi";
import { Timestamp } from "./time";

/** A header name as HTTP allows it (RFC 9110 token). */
const HeaderName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, "not a header name");

/** `PUT /api/telemetry/otlp`. */
export const OtlpBody = z
  .strictObject({
    endpoint: z.url().max(2000).openapi({
      description:
        "The OTLP/HTTP traces URL, used as it is (a collector's is usually `…:4318/v1/traces`). Kept sealed, never shown again; the SSRF guard checks it now and on every export.",
      example: "https://otel.example.com:4318/v1/traces",
    }),
    headers: z
      .record(
        HeaderName,
        z
          .string()
          .max(4096)
          .regex(/^[^\r\n\0]*$/, "a header value has no line breaks"),
      )
      .default({})
      .refine((h) => Object.keys(h).length <= 20, "at most 20 headers")
      .openapi({
        description:
          "Sent with every export, e.g. the collector's key. Values may reference the tenant's secrets, `{{ secrets.NAME }}`, resolved at each export (a secret bound to hosts must allow the endpoint's). Kept sealed; only the names are shown.",
        example: { "x-api-key": "{{ secrets.OTEL_KEY }}" },
      }),
    enabled: z
      .boolean()
      .default(true)
      .openapi({ description: "Off: runs that end export nothing (the setting is kept)" }),
  })
  .openapi("OtlpBody");

export const OtlpExport = z
  .object({
    host: z.string().openapi({
      description: "The endpoint's host (the URL itself is not shown)",
      example: "otel.example.com:4318",
    }),
    headerNames: z.array(z.string()).openapi({ example: ["x-api-key"] }),
    enabled: z.boolean(),
    updatedAt: Timestamp,
  })
  .openapi("OtlpExport");

const AnyValue = z.record(z.string(), z.unknown()).openapi({
  description: "OTLP `AnyValue`: one of `stringValue`, `intValue`, `doubleValue`, `boolValue`, ...",
});
const KeyValue = z.object({ key: z.string(), value: AnyValue });

/** A span in OTLP's JSON encoding (only what aob sends is named; collectors accept more). */
const OtlpSpan = z.looseObject({
  traceId: z.string().openapi({ description: "32 hex digits, derived from the root run's id" }),
  spanId: z
    .string()
    .openapi({ description: "16 hex digits, derived from the run (and node and attempt)" }),
  parentSpanId: z.string().optional(),
  name: z.string().openapi({ description: "The workflow's name (a run's span) or the node's id" }),
  kind: z.number().int(),
  startTimeUnixNano: z.union([z.string(), z.number()]),
  endTimeUnixNano: z.union([z.string(), z.number()]),
  attributes: z.array(KeyValue),
  status: z.object({ code: z.number().int(), message: z.string().optional() }),
});

const ScopeSpans = z.looseObject({
  scope: z.looseObject({ name: z.string(), version: z.string().optional() }),
  spans: z.array(OtlpSpan),
});

export const OTLP_TRACE_EXAMPLE = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "aob" } }] },
      scopeSpans: [
        {
          scope: { name: "aob", version: "0.1.0" },
          spans: [
            {
              traceId: "5b8efff798038103d269b633813fc60c",
              spanId: "eee19b7ec3c1b174",
              parentSpanId: "eee19b7ec3c1b173",
              name: "fetch",
              kind: 1,
              startTimeUnixNano: "1796371258540000000",
              endTimeUnixNano: "1796371258791000000",
              attributes: [{ key: "aob.node.kind", value: { stringValue: "http" } }],
              status: { code: 1 },
            },
          ],
        },
      ],
    },
  ],
};

/** `GET /api/runs/{id}/trace`: an `ExportTraceServiceRequest` in OTLP's JSON encoding. */
export const OtlpTrace = z
  .object({
    resourceSpans: z.array(
      z.looseObject({
        resource: z.looseObject({ attributes: z.array(KeyValue) }),
        scopeSpans: z.array(ScopeSpans),
      }),
    ),
  })
  .openapi("OtlpTrace", {
    description:
      "An OTLP `ExportTraceServiceRequest` (JSON encoding): what an export sends, as JSON. Post it to a collector's `/v1/traces` with `Content-Type: application/json`.",
    example: OTLP_TRACE_EXAMPLE,
  });

/** `POST /api/runs/{id}/trace`. */
export const TraceExportOwed = z
  .object({
    runId: z.string(),
    host: z.string().openapi({ description: "Where it is sent", example: "otel.example.com:4318" }),
    status: z.literal("pending").openapi({
      description:
        "Sent in the background; the run's events say how it went (`trace_exported`, `trace_export_failed`)",
    }),
  })
  .openapi("TraceExportOwed");

export const OTLP_EXPORT_EXAMPLE: z.output<typeof OtlpExport> = {
  host: "otel.example.com:4318",
  headerNames: ["x-api-key"],
  enabled: true,
  updatedAt: 1796378314315,
};
