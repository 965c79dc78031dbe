import { page } from "../../../core/wire/cursor";
import * as db from "../../../db/workflows";
import { notFound } from "../errors";
import { cursorOf } from "../schemas/params";
import type { Workflow } from "../schemas/workflow";

/** A workflow's place in the list: `[updatedAt, id]`. */
export const WORKFLOW_KEY = ["n", "s"] as const;

/**
 * One page of a tenant's live workflows, most recently changed first (or those named exactly
 * `name`), and the cursor of the next. The REST list and the MCP server's `list_workflows` both
 * call this.
 */
export async function workflowPage(
  env: Pick<Env, "DB">,
  tenantId: string,
  query: { limit: number; cursor?: string | undefined; name?: string | undefined },
) {
  const rows = await db.listWorkflows(env.DB, {
    tenantId,
    limit: query.limit + 1,
    ...(query.name === undefined ? {} : { name: query.name }),
    after: cursorOf<[number, string]>(query.cursor, WORKFLOW_KEY),
  });
  const { items, nextCursor } = page(rows, query.limit, (w) => [w.updatedAt, w.id]);
  return { workflows: items, nextCursor };
}

/** A tenant's live workflow, or 404 (another tenant's is not found either). */
export async function requireWorkflow(env: Pick<Env, "DB">, tenantId: string, id: string) {
  const row = await db.findWorkflow(env.DB, tenantId, id);
  if (!row) throw notFound(`workflow ${id}`);
  return row;
}

/** A tenant's workflow with its latest (or a given) version's definition, or 404. */
export async function loadVersion(
  env: Pick<Env, "DB">,
  tenantId: string,
  id: string,
  version?: number,
) {
  const wf = await requireWorkflow(env, tenantId, id);
  const wanted = version ?? wf.latestVersion;
  const row = await db.findVersion(env.DB, id, wanted);
  if (!row) throw notFound(`version ${wanted} of workflow ${id}`);
  return {
    workflow: wf,
    version: row.version,
    // Stored only after it validated against WorkflowDefinition.
    definition: JSON.parse(row.definition) as Workflow["definition"],
    createdAt: row.createdAt,
  };
}
