import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { parseRateLimits } from "../../../core/limits/token-bucket";
import { page } from "../../../core/wire/cursor";
import type { WorkflowDefinition as Definition } from "../../../core/workflow/definition";
import { diffWorkflows } from "../../../core/workflow/diff";
import { scheduleInputWarning } from "../../../core/workflow/scheduled-input";
import { toolInputSchema } from "../../../core/workflow/tool";
import { validateWorkflow } from "../../../core/workflow/validate";
import { activeRunsOf, countRunsOf, markWorkflowPurge } from "../../../db/lifecycle";
import { findTriggers } from "../../../db/triggers";
import { addVersion, createWorkflow, deleteWorkflow, listVersions } from "../../../db/workflows";
import { admissionOf } from "../../../platform/admission";
import { audit } from "../audit";
import { ApiError } from "../errors";
import * as runExample from "../examples/runs";
import * as example from "../examples/workflows";
import { newId } from "../ids";
import { apiRoute, routes } from "../route";
import { errors, json, jsonBody } from "../schemas/error";
import { cursorOf, cursorQuery, IdParam, intString, limitQuery } from "../schemas/params";
import { RunStarted, StartRunBody } from "../schemas/run";
import {
  ValidateResult,
  VersionList,
  WorkflowDefinition,
  WorkflowDiff,
  WorkflowList,
  WorkflowSaved,
  Workflow as WorkflowSchema,
  WorkflowVersion,
} from "../schemas/workflow";
import { startWorkflowRun } from "../services/start-run";
import { approverIssues, checkApprovers } from "../services/workflow-approvers";
import { checkCalls } from "../services/workflow-calls";
import { checkMcpServers } from "../services/workflow-mcp";
import { loadVersion, requireWorkflow, WORKFLOW_KEY, workflowPage } from "../services/workflows";
import type { AppEnv } from "../types";
import { issueView } from "../validation";

function validated(definition: unknown) {
  const result = validateWorkflow(definition);
  if (!result.ok) {
    throw new ApiError(
      400,
      "validation_failed",
      `the workflow has ${result.errors.length} error(s)`,
      {
        errors: result.errors.map(issueView),
        warnings: result.warnings.map(issueView),
      },
    );
  }
  return result;
}

/**
 * Runs before the body schema: a definition that fails it answers with every problem the full
 * validation finds (node configs and graph rules too, as `POST /workflows/validate` would),
 * not only the schema's. `first` runs before that refusal (a PUT on another tenant's workflow
 * stays 404 whatever the body).
 */
function checkDefinition(first?: (c: Context<AppEnv>) => Promise<unknown>) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const raw: unknown = await c.req.json();
    if (!WorkflowDefinition.safeParse(raw).success) {
      if (first) await first(c);
      validated(raw);
    }
    await next();
  });
}

/** What D1 keeps of a definition exposed as an MCP tool (docs/MCP.md): its arguments' schema. */
function toolSchemaText(definition: Definition): string | null {
  const schema = toolInputSchema(definition);
  return schema === null ? null : JSON.stringify(schema);
}

const Id = z.object({ id: IdParam });
const definitionBody = jsonBody(WorkflowDefinition, example.definition);
const tags = ["workflows"];

/** Workflow CRUD. A PUT never edits a version: it adds one, so running runs stay pinned. */

const WorkflowPurge = z
  .object({
    workflowId: z.string(),
    runs: z.number().int().describe("Runs the sweep will delete"),
  })
  .openapi("WorkflowPurge");

export const workflowRoutes = routes()
  .openapi(
    apiRoute("read", {
      method: "post",
      path: "/workflows/validate",
      operationId: "validateWorkflow",
      summary: "Validate a definition without saving it",
      description:
        "Any JSON is accepted: an invalid definition answers 200 with `valid: false` and each problem's path.",
      tags,
      request: {
        body: jsonBody(
          z.unknown().openapi({ description: "A workflow definition to check" }),
          example.brokenDefinition,
        ),
      },
      responses: {
        200: json(ValidateResult, "The problems found", example.validateResult),
        ...errors(400, 413),
      },
    }),
    async (c) => {
      const result = validateWorkflow(c.req.valid("json"));
      // What only the tenant's data shows (unknown approvers, channels), once the rest is valid.
      const errors = result.ok
        ? await approverIssues(c.env.DB, c.get("tenantId"), result.definition)
        : result.errors;
      return c.json(
        {
          valid: errors.length === 0,
          errors: errors.map(issueView),
          warnings: result.warnings.map(issueView),
        },
        200,
      );
    },
  )
  .openapi(
    apiRoute(
      "edit",
      {
        method: "post",
        path: "/workflows",
        operationId: "createWorkflow",
        summary: "Create a workflow (version 1)",
        tags,
        request: { body: definitionBody },
        responses: { 201: json(WorkflowSaved, "Created", example.created), ...errors(400, 413) },
      },
      [checkDefinition()],
    ),
    async (c) => {
      const { definition, warnings } = validated(c.req.valid("json"));
      await checkCalls(c.env.DB, c.get("tenantId"), { id: null, definition });
      await checkApprovers(c.env.DB, c.get("tenantId"), definition);
      await checkMcpServers(c.env.DB, c.get("tenantId"), definition);
      const id = newId("wf");
      await createWorkflow(c.env.DB, {
        id,
        tenantId: c.get("tenantId"),
        name: definition.name,
        description: definition.description ?? null,
        definition: JSON.stringify(definition),
        toolInputSchema: toolSchemaText(definition),
        now: Date.now(),
      });
      await audit(c, "workflow.create", { type: "workflow", id }, { name: definition.name });
      return c.json({ id, version: 1, warnings: warnings.map(issueView) }, 201);
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/workflows",
      operationId: "listWorkflows",
      summary: "List workflows, most recently changed first",
      tags,
      request: {
        query: z.object({
          limit: limitQuery(100, 500),
          cursor: cursorQuery(WORKFLOW_KEY),
          name: z
            .string()
            .optional()
            .openapi({ description: "Only workflows with exactly this name" }),
        }),
      },
      responses: { 200: json(WorkflowList, "The workflows", example.list), ...errors(400) },
    }),
    async (c) => c.json(await workflowPage(c.env, c.get("tenantId"), c.req.valid("query")), 200),
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/workflows/{id}",
      operationId: "getWorkflow",
      summary: "One workflow with its latest (or a given) version's definition",
      tags,
      request: {
        params: Id,
        query: z.object({ version: intString(1, 1_000_000).optional() }),
      },
      responses: {
        200: json(WorkflowSchema, "The workflow", example.workflow),
        ...errors(400, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const v = await loadVersion(c.env, c.get("tenantId"), id, c.req.valid("query").version);
      return c.json(
        {
          id: v.workflow.id,
          name: v.workflow.name,
          description: v.workflow.description,
          version: v.version,
          latestVersion: v.workflow.latestVersion,
          definition: v.definition,
          createdAt: v.workflow.createdAt,
          updatedAt: v.workflow.updatedAt,
          admission: admissionOf(v.definition, parseRateLimits(c.env.AOB_RATE_LIMITS)),
        },
        200,
      );
    },
  )
  .openapi(
    apiRoute(
      "edit",
      {
        method: "put",
        path: "/workflows/{id}",
        operationId: "updateWorkflow",
        summary: "Save a new version (running runs stay on theirs)",
        tags,
        request: { params: Id, body: definitionBody },
        responses: {
          200: json(WorkflowSaved, "The new version", example.updated),
          ...errors(400, 404, 409, 413),
        },
      },
      [checkDefinition((c) => requireWorkflow(c.env, c.get("tenantId"), c.req.param("id") ?? ""))],
    ),
    async (c) => {
      const { id } = c.req.valid("param");
      const wf = await requireWorkflow(c.env, c.get("tenantId"), id);
      const { definition, warnings } = validated(c.req.valid("json"));
      await checkCalls(c.env.DB, c.get("tenantId"), { id, definition });
      await checkApprovers(c.env.DB, c.get("tenantId"), definition);
      await checkMcpServers(c.env.DB, c.get("tenantId"), definition);
      const version = wf.latestVersion + 1;
      const saved = await addVersion(c.env.DB, {
        workflowId: id,
        previous: wf.latestVersion,
        name: definition.name,
        description: definition.description ?? null,
        definition: JSON.stringify(definition),
        toolInputSchema: toolSchemaText(definition),
        now: Date.now(),
      });
      if (saved === "conflict") {
        throw new ApiError(
          409,
          "conflict",
          `workflow ${id} was changed concurrently; fetch it and retry`,
        );
      }
      await audit(c, "workflow.update", { type: "workflow", id }, { version });
      const schedule = (await findTriggers(c.env.DB, id))?.cron
        ? scheduleInputWarning(definition)
        : null;
      const all = schedule ? [...warnings, schedule] : warnings;
      return c.json({ id, version, warnings: all.map(issueView) }, 200);
    },
  )
  .openapi(
    apiRoute("edit", {
      method: "delete",
      path: "/workflows/{id}",
      operationId: "deleteWorkflow",
      summary: "Delete a workflow; with `runs=delete`, its runs and everything it stored too",
      description:
        "Without `runs`: the workflow leaves every list and can no longer be run; its runs stay (each keeps the definition it ran) until retention or a deletion removes them. With `runs=delete`: refused with 409 `run_active` while a run of it is running or waiting (cancel them first); otherwise answers 202 and the retention sweep deletes its runs (200 a minute, each everywhere, as `DELETE /api/runs/{id}`), then its versions, triggers, delivery records and retention policy.",
      tags,
      request: {
        params: Id,
        query: z.object({
          runs: z
            .enum(["keep", "delete"])
            .default("keep")
            .openapi({ description: "`delete`: delete its runs and stored data too" }),
        }),
      },
      responses: {
        202: json(WorkflowPurge, "Being deleted with its runs", example.purge),
        204: { description: "Deleted; its runs stay" },
        ...errors(400, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const tenantId = c.get("tenantId");
      await requireWorkflow(c.env, tenantId, id);
      if (c.req.valid("query").runs === "keep") {
        await deleteWorkflow(c.env.DB, id, Date.now());
        await audit(c, "workflow.delete", { type: "workflow", id }, { runs: "keep" });
        return c.body(null, 204);
      }
      const active = await activeRunsOf(c.env.DB, { id, tenantId }, 5);
      if (active.length > 0) {
        throw new ApiError(
          409,
          "run_active",
          `workflow ${id} has runs that have not ended (${active.map((r) => `${r.id} ${r.status}`).join(", ")}): cancel them first`,
        );
      }
      await markWorkflowPurge(c.env.DB, tenantId, id, Date.now());
      await audit(c, "workflow.delete", { type: "workflow", id }, { runs: "delete" });
      return c.json({ workflowId: id, runs: await countRunsOf(c.env.DB, { id, tenantId }) }, 202);
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/workflows/{id}/versions",
      operationId: "listWorkflowVersions",
      summary: "A workflow's versions, newest first",
      tags,
      request: {
        params: Id,
        query: z.object({ limit: limitQuery(100, 500), cursor: cursorQuery(["n"]) }),
      },
      responses: { 200: json(VersionList, "The versions", example.versions), ...errors(400, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { limit, cursor } = c.req.valid("query");
      await requireWorkflow(c.env, c.get("tenantId"), id);
      const before = cursorOf<[number]>(cursor, ["n"])?.[0];
      const rows = await listVersions(c.env.DB, {
        workflowId: id,
        limit: limit + 1,
        ...(before === undefined ? {} : { before }),
      });
      const { items, nextCursor } = page(rows, limit, (v) => [v.version]);
      return c.json({ versions: items, nextCursor }, 200);
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/workflows/{id}/versions/{version}",
      operationId: "getWorkflowVersion",
      summary: "One version's definition",
      tags,
      request: {
        params: z.object({ id: IdParam, version: intString(1, Number.MAX_SAFE_INTEGER) }),
      },
      responses: {
        200: json(WorkflowVersion, "The version", example.version),
        ...errors(400, 404),
      },
    }),
    async (c) => {
      const { id, version } = c.req.valid("param");
      const v = await loadVersion(c.env, c.get("tenantId"), id, version);
      return c.json(
        { id: v.workflow.id, version: v.version, definition: v.definition, createdAt: v.createdAt },
        200,
      );
    },
  )
  .openapi(
    apiRoute("read", {
      method: "get",
      path: "/workflows/{id}/diff",
      operationId: "diffWorkflowVersions",
      summary: "The structural difference between two versions",
      tags,
      request: {
        params: Id,
        query: z.object({ from: intString(1, 1_000_000), to: intString(1, 1_000_000) }),
      },
      responses: {
        200: json(WorkflowDiff, "What changed from `from` to `to`", example.diff),
        ...errors(400, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { from, to } = c.req.valid("query");
      const [a, b] = await Promise.all([
        loadVersion(c.env, c.get("tenantId"), id, from),
        loadVersion(c.env, c.get("tenantId"), id, to),
      ]);
      return c.json({ id, from, to, diff: diffWorkflows(a.definition, b.definition) }, 200);
    },
  )
  .openapi(
    apiRoute("run", {
      method: "post",
      path: "/workflows/{id}/runs",
      operationId: "startRun",
      summary: "Start a run of the latest (or a given) version",
      description:
        "Takes a token from the tenant's rate-limit bucket for the workflow's tier and from the global one; every answer carries `RateLimit-*` headers.",
      tags: ["runs"],
      request: {
        params: Id,
        body: jsonBody(StartRunBody, runExample.startRun),
      },
      responses: {
        202: json(RunStarted, "Started", runExample.started),
        ...errors(400, 404, 409, 413, 422, 429),
      },
    }),
    async (c) => {
      const started = await startWorkflowRun(c, {
        ...c.req.valid("json"),
        workflowId: c.req.valid("param").id,
      });
      return c.json(started, 202);
    },
  );
