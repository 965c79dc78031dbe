import { compile } from "../../../core/compile/compile";
import { validateWorkflow } from "../../../core/workflow/validate";
import { wasmLevels } from "../../platform/optimiser";
import { ApiError } from "../errors";
import { newId } from "../ids";

/**
 * Starts a run of a stored version: compile (with the WASM optimiser), record the run in D1,
 * create its RunObject. If the object cannot be created the D1 row is marked failed, so no run
 * is listed as running forever.
 */
export async function startRun(
  env: Env,
  tenantId: string,
  workflowId: string,
  version: number,
  definition: unknown,
  input: unknown,
): Promise<string> {
  const checked = validateWorkflow(definition);
  if (!checked.ok) {
    throw new ApiError(409, "conflict", `version ${version} of ${workflowId} no longer validates`);
  }
  const ir = compile(checked.definition, { levels: wasmLevels });
  const runId = newId("run");
  const createdAt = Date.now();
  await env.DB.prepare(
    `INSERT INTO runs (id, tenant_id, workflow_id, version, status, created_at) VALUES (?, ?, ?, ?, 'running', ?)`,
  )
    .bind(runId, tenantId, workflowId, version, createdAt)
    .run();
  try {
    await env.RUNS.get(env.RUNS.idFromName(runId)).create({
      meta: { runId, tenantId, workflowId, version, createdAt },
      ir,
      input,
    });
  } catch (err) {
    await env.DB.prepare(
      `UPDATE runs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?`,
    )
      .bind(
        JSON.stringify({ code: "start_failed", message: String(err), retryable: true }),
        Date.now(),
        runId,
      )
      .run();
    throw err;
  }
  return runId;
}
