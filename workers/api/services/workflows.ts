import * as db from "../../../db/workflows";
import { notFound } from "../errors";
import type { Workflow } from "../schemas/workflow";

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
