import { type CalledWorkflow, callProblem } from "../../../core/workflow/calls";
import type { WorkflowDefinition } from "../../../core/workflow/definition";
import { findVersion, findWorkflow, listWorkflows } from "../../../db/workflows";
import { ApiError } from "../errors";
import { issueView } from "../validation";

/**
 * Refuses saving a definition whose subworkflow nodes lead back to it or nest too deep
 * (core/workflow/calls.ts), with the path of the node that starts the chain: 400
 * `validation_failed`, like any other problem of the definition.
 */
export async function checkCalls(
  db: D1Database,
  tenantId: string,
  saving: { id: string | null; definition: WorkflowDefinition },
): Promise<void> {
  const load = async (workflow: string, version: number | "latest") => {
    const row =
      (await findWorkflow(db, tenantId, workflow)) ??
      (await listWorkflows(db, { tenantId, limit: 1, name: workflow }))[0];
    if (!row) return null;
    const found = await findVersion(db, row.id, version === "latest" ? row.latestVersion : version);
    if (!found) return null;
    const definition = JSON.parse(found.definition) as WorkflowDefinition;
    return { id: row.id, name: row.name, definition } satisfies CalledWorkflow;
  };
  const problem = await callProblem(saving, load);
  if (problem) {
    throw new ApiError(400, "validation_failed", `the workflow has 1 error(s)`, {
      errors: [issueView(problem)],
      warnings: [],
    });
  }
}
