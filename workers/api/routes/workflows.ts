import { and, desc, eq, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { z } from "zod";
import { Budget } from "../../../core/agents/budget";
import type { WorkflowDefinition } from "../../../core/workflow/definition";
import { diffWorkflows } from "../../../core/workflow/diff";
import { validateWorkflow } from "../../../core/workflow/validate";
import { workflows, workflowVersions } from "../../../db/schema";
import { ApiError, notFound } from "../errors";
import { newId } from "../ids";
import { admitRun } from "../rate-limit";
import type { AppEnv } from "../types";
import { intQuery, issueView, jsonBody } from "../validation";
import { startRun } from "./start-run";

const Definition = z.unknown();
const StartRunBody = z.strictObject({
  input: z.unknown().optional(),
  version: z.number().int().min(1).optional(),
  /** Overrides the workflow's model budget for this run. */
  budget: Budget.optional(),
});

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

async function findWorkflow(env: Env, tenantId: string, id: string) {
  const row = await drizzle(env.DB)
    .select()
    .from(workflows)
    .where(and(eq(workflows.id, id), eq(workflows.tenantId, tenantId), isNull(workflows.deletedAt)))
    .get();
  if (!row) throw notFound(`workflow ${id}`);
  return row;
}

export async function loadVersion(env: Env, tenantId: string, id: string, version?: number) {
  const wf = await findWorkflow(env, tenantId, id);
  const wanted = version ?? wf.latestVersion;
  const row = await drizzle(env.DB)
    .select()
    .from(workflowVersions)
    .where(and(eq(workflowVersions.workflowId, id), eq(workflowVersions.version, wanted)))
    .get();
  if (!row) throw notFound(`version ${wanted} of workflow ${id}`);
  return {
    workflow: wf,
    version: row.version,
    definition: JSON.parse(row.definition) as unknown,
    createdAt: row.createdAt,
  };
}

/** Workflow CRUD. A PUT never edits a version: it adds one, so running runs stay pinned. */
export const workflowRoutes = new Hono<AppEnv>()
  .post("/workflows/validate", async (c) => {
    const result = validateWorkflow(await jsonBody(c, Definition));
    return c.json({
      valid: result.ok,
      errors: result.ok ? [] : result.errors.map(issueView),
      warnings: result.warnings.map(issueView),
    });
  })
  .post("/workflows", async (c) => {
    const { definition, warnings } = validated(await jsonBody(c, Definition));
    const id = newId("wf");
    const now = Date.now();
    const db = drizzle(c.env.DB);
    await db.batch([
      db.insert(workflows).values({
        id,
        tenantId: c.get("tenantId"),
        name: definition.name,
        description: definition.description ?? null,
        latestVersion: 1,
        createdAt: now,
        updatedAt: now,
      }),
      db.insert(workflowVersions).values({
        workflowId: id,
        version: 1,
        definition: JSON.stringify(definition),
        createdAt: now,
      }),
    ]);
    return c.json({ id, version: 1, warnings: warnings.map(issueView) }, 201);
  })
  .get("/workflows", async (c) => {
    const limit = intQuery(c, "limit", 100, 1, 500);
    const rows = await drizzle(c.env.DB)
      .select({
        id: workflows.id,
        name: workflows.name,
        description: workflows.description,
        latestVersion: workflows.latestVersion,
        createdAt: workflows.createdAt,
        updatedAt: workflows.updatedAt,
      })
      .from(workflows)
      .where(and(eq(workflows.tenantId, c.get("tenantId")), isNull(workflows.deletedAt)))
      .orderBy(desc(workflows.updatedAt))
      .limit(limit)
      .all();
    return c.json({ workflows: rows });
  })
  .get("/workflows/:id", async (c) => {
    const raw = c.req.query("version");
    const version = raw === undefined ? undefined : intQuery(c, "version", 1, 1, 1_000_000);
    const v = await loadVersion(c.env, c.get("tenantId"), c.req.param("id"), version);
    return c.json({
      id: v.workflow.id,
      name: v.workflow.name,
      description: v.workflow.description,
      version: v.version,
      latestVersion: v.workflow.latestVersion,
      definition: v.definition,
      createdAt: v.workflow.createdAt,
      updatedAt: v.workflow.updatedAt,
    });
  })
  .put("/workflows/:id", async (c) => {
    const id = c.req.param("id");
    const wf = await findWorkflow(c.env, c.get("tenantId"), id);
    const { definition, warnings } = validated(await jsonBody(c, Definition));
    const version = wf.latestVersion + 1;
    const now = Date.now();
    const db = drizzle(c.env.DB);
    try {
      await db.batch([
        db.insert(workflowVersions).values({
          workflowId: id,
          version,
          definition: JSON.stringify(definition),
          createdAt: now,
        }),
        db
          .update(workflows)
          .set({
            latestVersion: version,
            name: definition.name,
            description: definition.description ?? null,
            updatedAt: now,
          })
          .where(and(eq(workflows.id, id), eq(workflows.latestVersion, wf.latestVersion))),
      ]);
    } catch (err) {
      if (String(err).includes("UNIQUE")) {
        throw new ApiError(
          409,
          "conflict",
          `workflow ${id} was changed concurrently; fetch it and retry`,
        );
      }
      throw err;
    }
    return c.json({ id, version, warnings: warnings.map(issueView) });
  })
  .delete("/workflows/:id", async (c) => {
    const id = c.req.param("id");
    await findWorkflow(c.env, c.get("tenantId"), id);
    await drizzle(c.env.DB)
      .update(workflows)
      .set({ deletedAt: Date.now() })
      .where(eq(workflows.id, id));
    return c.body(null, 204);
  })
  .get("/workflows/:id/versions", async (c) => {
    const id = c.req.param("id");
    await findWorkflow(c.env, c.get("tenantId"), id);
    const rows = await drizzle(c.env.DB)
      .select({ version: workflowVersions.version, createdAt: workflowVersions.createdAt })
      .from(workflowVersions)
      .where(eq(workflowVersions.workflowId, id))
      .orderBy(desc(workflowVersions.version))
      .all();
    return c.json({ versions: rows });
  })
  .get("/workflows/:id/versions/:version", async (c) => {
    const version = Number(c.req.param("version"));
    if (!Number.isInteger(version) || version < 1)
      throw new ApiError(400, "bad_request", "version must be a positive integer");
    const v = await loadVersion(c.env, c.get("tenantId"), c.req.param("id"), version);
    return c.json({
      id: v.workflow.id,
      version: v.version,
      definition: v.definition,
      createdAt: v.createdAt,
    });
  })
  .get("/workflows/:id/diff", async (c) => {
    const id = c.req.param("id");
    const from = intQuery(c, "from", 0, 1, 1_000_000);
    const to = intQuery(c, "to", 0, 1, 1_000_000);
    if (from === 0 || to === 0)
      throw new ApiError(400, "bad_request", "give both ?from= and ?to= versions");
    const [a, b] = await Promise.all([
      loadVersion(c.env, c.get("tenantId"), id, from),
      loadVersion(c.env, c.get("tenantId"), id, to),
    ]);
    return c.json({
      id,
      from,
      to,
      diff: diffWorkflows(a.definition as WorkflowDefinition, b.definition as WorkflowDefinition),
    });
  })
  .post("/workflows/:id/runs", async (c) => {
    const body = await jsonBody(c, StartRunBody);
    const v = await loadVersion(c.env, c.get("tenantId"), c.req.param("id"), body.version);
    await admitRun(c, v.definition);
    const runId = await startRun(
      c.env,
      c.get("tenantId"),
      v.workflow.id,
      v.version,
      v.definition,
      body.input ?? null,
      undefined,
      body.budget,
    );
    return c.json({ runId, workflowId: v.workflow.id, version: v.version }, 202);
  });
