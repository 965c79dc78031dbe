import { z } from "@hono/zod-openapi";
import { DEFAULT_RETENTION, RetentionPolicy, retention } from "../../../core/lifecycle/retention";
import { activeRunsOfTenant, markTenantPurge, setHeld } from "../../../db/lifecycle";
import { deletePolicy, findPolicy, latestSweep, putPolicy } from "../../../db/retention";
import { tenantUsage } from "../../../db/usage";
import { deleteRun } from "../../lifecycle/delete-run";
import { audit } from "../audit";
import { forgetTenantKeys } from "../auth";
import { ApiError, notFound } from "../errors";
import * as example from "../examples/lifecycle";
import { apiRoute, routes } from "../route";
import { errors, json, jsonBody } from "../schemas/error";
import { IdParam } from "../schemas/params";
import { Timestamp } from "../schemas/time";
import { requireWorkflow } from "../services/workflows";

const tags = ["lifecycle"];
const Id = z.object({ id: IdParam });

export const Policy = RetentionPolicy.openapi("RetentionPolicy", {
  example: { days: 30, failedDays: 90, keepLast: null },
});

export const Effective = z
  .object({
    days: z.number().int().nullable(),
    failedDays: z.number().int().nullable(),
    keepLast: z.number().int().nullable(),
    source: z
      .enum(["default", "tenant", "workflow"])
      .describe("Where the policy comes from: aob's default, the tenant's, the workflow's own"),
    updatedAt: Timestamp.nullable(),
  })
  .openapi("EffectiveRetention");

const Sweep = z
  .object({
    id: z.number().int(),
    startedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    runsDeleted: z.number().int(),
    rowsDeleted: z.number().int(),
    blobsDeleted: z.number().int(),
    bytesFreed: z.number().int(),
    more: z.boolean().describe("It stopped at its budget; the next minute's sweep goes on"),
    error: z.string().nullable(),
  })
  .openapi("Sweep");

export const TenantRetention = z
  .object({ policy: Effective, lastSweep: Sweep.nullable() })
  .openapi("TenantRetention");

export const Deleted = z
  .object({
    deleted: z.literal(true),
    rows: z.number().int().describe("D1 rows deleted"),
    blobs: z.number().int().describe("Stored objects deleted (no other run or tenant held them)"),
    bytes: z.number().int().describe("Their size"),
  })
  .openapi("RunDeleted");

export const Hold = z.object({ held: z.boolean() }).strict().openapi("RunHold");

export const TenantDeletion = z
  .object({
    confirm: z.string().describe("The tenant's id (`GET /api/sessions/current`), typed again"),
  })
  .strict()
  .openapi("TenantDeletion");

export const TenantDeleted = z
  .object({
    tenantId: z.string(),
    runs: z.number().int().describe("Runs the sweep will delete"),
    workflows: z.number().int(),
  })
  .openapi("TenantDeleted");

// Not "Usage": that name is the run's model usage (schemas/run.ts); a second component of the
// same name replaced it in the document, so `GET /api/usage` was documented as model usage.
export const TenantUsage = z
  .object({
    runs: z.number().int().describe("Runs stored (not being deleted)"),
    runsByStatus: z.record(z.string(), z.number().int()),
    heldRuns: z.number().int(),
    events: z.number().int().describe("Events in their logs, as of each run's last projection"),
    executions: z.number().int().describe("Node execution rows of ended runs"),
    blobs: z.number().int().describe("Stored objects the tenant's runs hold, each counted once"),
    blobBytes: z.number().int(),
  })
  .openapi("TenantUsage");

async function tenantPolicy(db: D1Database, tenantId: string) {
  const own = await findPolicy(db, tenantId, null);
  return own
    ? { ...retention(own), source: "tenant" as const, updatedAt: own.updatedAt }
    : { ...DEFAULT_RETENTION, source: "default" as const, updatedAt: null };
}

/**
 * Retention and deletion (docs/LIFECYCLE.md): the tenant's policy and a workflow's own, the hold
 * that pins a run, and deleting a run on request.
 */
export const lifecycleRoutes = routes()
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/usage",
      operationId: "getUsage",
      summary: "What the tenant stores: runs, events, executions and blob bytes",
      tags,
      responses: { 200: json(TenantUsage, "The tenant's storage now", example.usage) },
    }),
    async (c) => c.json(await tenantUsage(c.env.DB, c.get("tenantId")), 200),
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/retention",
      operationId: "getRetention",
      summary: "The tenant's retention policy and what the latest sweep did",
      tags,
      responses: {
        200: json(TenantRetention, "The policy and the latest sweep", example.retention),
      },
    }),
    async (c) => {
      const policy = await tenantPolicy(c.env.DB, c.get("tenantId"));
      return c.json({ policy, lastSweep: await latestSweep(c.env.DB) }, 200);
    },
  )
  .openapi(
    apiRoute("admin", {
      method: "put",
      path: "/retention",
      operationId: "setRetention",
      summary: "Set the tenant's retention policy",
      description:
        "Finished runs older than `days` are deleted everywhere (failed ones after `failedDays` when set), and only the newest `keepLast` finished runs of each workflow are kept. Null or absent fields do not limit. Held runs are never deleted. A sweep runs every minute and deletes at most 200 runs at a time.",
      tags,
      request: { body: jsonBody(Policy, example.policy) },
      responses: {
        200: json(Effective, "The policy now in force", example.tenantPolicy),
        ...errors(400),
      },
    }),
    async (c) => {
      const tenantId = c.get("tenantId");
      const policy = retention(c.req.valid("json"));
      await putPolicy(c.env.DB, { ...policy, tenantId, workflowId: null, updatedAt: Date.now() });
      await audit(c, "retention.update", { type: "tenant", id: tenantId }, { ...policy });
      return c.json(await tenantPolicy(c.env.DB, tenantId), 200);
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/workflows/{id}/retention",
      operationId: "getWorkflowRetention",
      summary: "The retention policy in force for a workflow's runs",
      tags,
      request: { params: Id },
      responses: {
        200: json(Effective, "The policy and where it comes from", example.workflowPolicy),
        ...errors(404),
      },
    }),
    async (c) => {
      const tenantId = c.get("tenantId");
      const { id } = c.req.valid("param");
      await requireWorkflow(c.env, tenantId, id);
      const own = await findPolicy(c.env.DB, tenantId, id);
      if (own) {
        return c.json(
          { ...retention(own), source: "workflow" as const, updatedAt: own.updatedAt },
          200,
        );
      }
      return c.json(await tenantPolicy(c.env.DB, tenantId), 200);
    },
  )
  .openapi(
    apiRoute("admin", {
      method: "put",
      path: "/workflows/{id}/retention",
      operationId: "setWorkflowRetention",
      summary: "Give a workflow its own retention policy (it replaces the tenant's whole)",
      tags,
      request: {
        params: Id,
        body: jsonBody(Policy, example.workflowPolicyBody),
      },
      responses: {
        200: json(Effective, "The workflow's policy", example.workflowPolicy),
        ...errors(400, 404),
      },
    }),
    async (c) => {
      const tenantId = c.get("tenantId");
      const { id } = c.req.valid("param");
      await requireWorkflow(c.env, tenantId, id);
      const policy = retention(c.req.valid("json"));
      const updatedAt = Date.now();
      await putPolicy(c.env.DB, { ...policy, tenantId, workflowId: id, updatedAt });
      await audit(c, "retention.update", { type: "workflow", id }, { ...policy });
      return c.json({ ...policy, source: "workflow" as const, updatedAt }, 200);
    },
  )
  .openapi(
    apiRoute("admin", {
      method: "delete",
      path: "/workflows/{id}/retention",
      operationId: "deleteWorkflowRetention",
      summary: "Remove a workflow's own retention policy: the tenant's applies again",
      tags,
      request: { params: Id },
      responses: { 204: { description: "Removed" }, ...errors(404) },
    }),
    async (c) => {
      const tenantId = c.get("tenantId");
      const { id } = c.req.valid("param");
      await requireWorkflow(c.env, tenantId, id);
      if (!(await deletePolicy(c.env.DB, tenantId, id))) {
        throw notFound(`a retention policy of workflow ${id}`);
      }
      await audit(c, "retention.delete", { type: "workflow", id });
      return c.body(null, 204);
    },
  )
  .openapi(
    apiRoute("admin", {
      method: "delete",
      path: "/tenant",
      operationId: "deleteTenant",
      summary: "Delete all of the tenant's data: runs, workflows, secrets, keys, everything",
      description:
        "Refused with 409 `run_active` while a run is running or waiting (cancel them first), and with 400 unless `confirm` is the tenant's id. Otherwise every key of the tenant is revoked and every session ended at once (this key too), and the retention sweep deletes its runs (200 a minute, each everywhere), then its workflows, then its secrets, keys, policies, cache entries and the tenant itself. Blobs another tenant holds stay.",
      tags,
      request: {
        body: jsonBody(TenantDeletion, example.tenantDeletion),
      },
      responses: {
        202: json(TenantDeleted, "Being deleted", example.tenantDeleted),
        ...errors(400, 409),
      },
    }),
    async (c) => {
      const tenantId = c.get("tenantId");
      if (c.req.valid("json").confirm !== tenantId) {
        throw new ApiError(400, "validation_failed", "confirm must be this tenant's id", {
          errors: [
            {
              path: ["confirm"],
              at: "confirm",
              code: "not_confirmed",
              message: `type the tenant's id, ${tenantId}, to confirm`,
            },
          ],
        });
      }
      const active = await activeRunsOfTenant(c.env.DB, tenantId, 5);
      if (active.length > 0) {
        throw new ApiError(
          409,
          "run_active",
          `runs have not ended (${active.map((r) => `${r.id} ${r.status}`).join(", ")}): cancel them first`,
        );
      }
      const counts = await markTenantPurge(c.env.DB, tenantId, Date.now());
      forgetTenantKeys(tenantId);
      return c.json({ tenantId, ...counts }, 202);
    },
  )
  .openapi(
    apiRoute("run", {
      method: "put",
      path: "/runs/{id}/hold",
      operationId: "holdRun",
      summary: "Pin a run against retention, or release it",
      tags,
      request: {
        params: Id,
        body: jsonBody(Hold, example.hold),
      },
      responses: { 200: json(Hold, "The run's hold now", example.hold), ...errors(400, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { held } = c.req.valid("json");
      if (!(await setHeld(c.env.DB, c.get("tenantId"), id, held))) throw notFound(`run ${id}`);
      await audit(c, "run.hold", { type: "run", id }, { held });
      return c.json({ held }, 200);
    },
  )
  .openapi(
    apiRoute("run", {
      method: "delete",
      path: "/runs/{id}",
      operationId: "deleteRun",
      summary: "Delete a run everywhere: its records, events, outputs and the blobs only it held",
      description:
        "Deletes the run's object storage (its event log and outputs), its D1 rows (node executions, approvals, patches, trigger deliveries, cache entries it produced) and every stored object nothing else holds; a blob another run or another tenant still holds stays. A run that is running or waiting is refused with 409: cancel it first. A held run can be deleted on request. Deleting a run being deleted finishes that deletion.",
      tags,
      request: { params: Id },
      responses: {
        200: json(Deleted, "Deleted, with what it freed", example.runDeleted),
        ...errors(404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const deleted = await deleteRun(c.env, id, { tenantId: c.get("tenantId") });
      if (deleted.ok) {
        await audit(
          c,
          "run.delete",
          { type: "run", id },
          { rows: deleted.rows, blobs: deleted.blobs },
        );
        return c.json(
          {
            deleted: true as const,
            rows: deleted.rows,
            blobs: deleted.blobs,
            bytes: deleted.bytes,
          },
          200,
        );
      }
      if (deleted.code === "not_found") throw notFound(`run ${id}`);
      throw new ApiError(
        409,
        "run_active",
        `run ${id} is ${deleted.status}: cancel it first (POST /api/runs/${id}/cancel), then delete it`,
      );
    },
  );
