import { z } from "@hono/zod-openapi";
import { findOtlp } from "../../../db/telemetry";
import type { TraceRefusal } from "../../../durable-objects/run/rpc";
import { otlpJson } from "../../../platform/telemetry";
import { ApiError } from "../errors";
import { apiRoute, routes } from "../route";
import { runStub } from "../run-stub";
import { errors, json } from "../schemas/error";
import { IdParam } from "../schemas/params";
import { OTLP_TRACE_EXAMPLE, OtlpTrace, TraceExportOwed } from "../schemas/telemetry";

const tags = ["runs"];
const Id = z.object({ id: IdParam });

const refuse = (r: TraceRefusal) => new ApiError(r.status, r.code, r.message);

/**
 * An ended run as an OpenTelemetry trace (docs/OBSERVABILITY.md): read as OTLP JSON, or sent
 * again to the tenant's endpoint. Both come from the run's one builder (core/telemetry).
 */
export const runTraceRoutes = routes()
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/runs/{id}/trace",
      operationId: "getRunTrace",
      summary: "An ended run's trace, as OTLP JSON",
      description:
        "The spans an export sends: one for the run and one per node attempt under it (a sub-workflow's child run hangs under its node's span in the parent's trace). Ids are derived from the run, so the same run always gives the same trace. Needs no endpoint: post the answer to any collector's `/v1/traces`.",
      tags,
      request: { params: Id },
      responses: {
        200: json(OtlpTrace, "The trace (an OTLP ExportTraceServiceRequest)", OTLP_TRACE_EXAMPLE),
        ...errors(404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const answer = await (await runStub(c.env, c.get("tenantId"), id)).traceSpans();
      if (!answer.ok) throw refuse(answer);
      // The official serializer's JSON, read back through the declared schema.
      const trace = OtlpTrace.parse(JSON.parse(otlpJson(answer.spans, c.env.AOB_VERSION)));
      return c.json(trace, 200);
    },
  )
  .openapi(
    apiRoute("run", {
      method: "post",
      path: "/runs/{id}/trace",
      operationId: "exportRunTrace",
      summary: "Send an ended run's trace to the OTLP endpoint again",
      description:
        "From its first batch, with the same ids (a collector that deduplicates keeps one copy). Sent in the background and retried like the export at the run's end; the outcome is a `trace_exported` or `trace_export_failed` event of the run. 409 while the run has not ended, or when no endpoint is set or it is off.",
      tags,
      request: { params: Id },
      responses: {
        202: json(TraceExportOwed, "The export is owed and on its way", {
          runId: "run_0mx8t9msj8a6k3shqb5",
          host: "otel.example.com:4318",
          status: "pending",
        }),
        ...errors(404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const tenantId = c.get("tenantId");
      const stub = await runStub(c.env, tenantId, id);
      const target = await findOtlp(c.env.DB, tenantId);
      if (!target?.enabled) {
        throw new ApiError(
          409,
          "conflict",
          target
            ? "the OTLP export is turned off (PUT /api/telemetry/otlp with enabled: true)"
            : "no OTLP endpoint is set (PUT /api/telemetry/otlp)",
        );
      }
      const answer = await stub.resendTrace();
      if (!answer.ok) throw refuse(answer);
      return c.json({ runId: id, host: target.host, status: "pending" as const }, 202);
    },
  );
