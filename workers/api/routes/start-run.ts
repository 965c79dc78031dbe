import type { Budget } from "../../../core/agents/budget";
import { ancestors } from "../../../core/compile/ancestors";
import { checkGraphLimits, parseRunLimits } from "../../../core/patches";
import { validateWorkflow } from "../../../core/workflow/validate";
import { copyHolds } from "../../../db/blobs";
import { insertStartedRun, markStartFailed, type RunTrigger, runInTenant } from "../../../db/runs";
import type { ReplaySeed } from "../../../durable-objects/run/replay";
import { type RunRpc, runObject } from "../../../durable-objects/run/rpc";
import { compileWorkflow } from "../../../platform/optimiser";
import { ApiError } from "../errors";
import { newId } from "../ids";

/**
 * Starts a run of a stored version: compile (with the WASM optimiser), record the run in D1,
 * create its RunObject. If the object cannot be created the D1 row is marked failed, so no run
 * is listed as running forever. `runId` may be chosen by the caller (a webhook delivery records
 * it before starting, so a retry after a crash finds the run or starts that same id: the
 * runs table's key lets only one start win).
 */
/** What a run starts from. */
export interface RunStart {
  tenantId: string;
  workflowId: string;
  version: number;
  /** The version's definition (or, for a replay, the graph the source ran). */
  definition: unknown;
  input: unknown;
  replay?: {
    sourceRunId: string;
    fromNode: string;
    stub: RunRpc;
    /** The source's nodes an agent wrote: they stay without secrets in the replay. */
    agentNodes: string[];
  };
  /** Overrides the definition's budget. */
  budget?: Budget;
  /** Chosen by the caller (a webhook delivery records it first); a new id by default. */
  runId?: string;
  /** How it was started (`api` unless said; a replay is always `replay`). */
  trigger?: RunTrigger;
}

/**
 * A replay holds every blob its source holds (the outputs it reuses and the bodies they name),
 * so deleting the source keeps them (docs/LIFECYCLE.md). A source whose deletion began before
 * the copy may have released them already: the replay is refused.
 */
async function holdWhatTheSourceHolds(
  env: Env,
  copy: { tenantId: string; runId: string; replay: { sourceRunId: string }; at: number },
): Promise<void> {
  const { tenantId, runId, replay, at } = copy;
  await copyHolds(env.DB, { tenantId, fromRun: replay.sourceRunId, toRun: runId, at });
  if (!(await runInTenant(env.DB, tenantId, replay.sourceRunId))) {
    await markStartFailed(env.DB, runId, {
      error: JSON.stringify({
        code: "start_failed",
        message: `run ${replay.sourceRunId} was deleted while the replay started`,
        retryable: false,
      }),
      finishedAt: Date.now(),
    });
    throw new ApiError(409, "conflict", `run ${replay.sourceRunId} is being deleted`);
  }
}

export async function startRun(env: Env, start: RunStart): Promise<string> {
  const { tenantId, workflowId, version, definition, input, replay, budget } = start;
  const runId = start.runId ?? newId("run");
  const checked = validateWorkflow(definition);
  if (!checked.ok) {
    throw new ApiError(409, "conflict", `version ${version} of ${workflowId} no longer validates`);
  }
  const limits = checkGraphLimits(checked.definition, parseRunLimits(env.AOB_RUN_LIMITS));
  if (limits.length > 0) {
    throw new ApiError(422, "limit_exceeded", limits[0]!.message, {
      errors: limits.map((l) => ({
        path: l.path,
        at: l.path.join("."),
        code: l.code,
        message: l.message,
      })),
    });
  }
  const runBudget = budget ?? checked.definition.budget;
  const ir = compileWorkflow(checked.definition);
  let seed: ReplaySeed | undefined;
  if (replay) {
    if (!Object.hasOwn(ir.byId, replay.fromNode)) {
      throw new ApiError(
        400,
        "validation_failed",
        `the run's workflow has no node "${replay.fromNode}"`,
        {
          errors: [
            { path: ["fromNode"], at: "fromNode", code: "unknown_node", message: "no such node" },
          ],
        },
      );
    }
    const upstream = [...ancestors(ir, replay.fromNode)];
    const recorded = await replay.stub.recorded(upstream);
    seed = { sourceRunId: replay.sourceRunId, fromNode: replay.fromNode, recorded };
  }
  const createdAt = Date.now();
  const trigger: RunTrigger = replay ? "replay" : (start.trigger ?? "api");
  await insertStartedRun(env.DB, { id: runId, tenantId, workflowId, version, createdAt, trigger });
  if (replay) await holdWhatTheSourceHolds(env, { tenantId, runId, replay, at: createdAt });
  try {
    await runObject(env, runId).create({
      meta: { runId, tenantId, workflowId, version, createdAt },
      definition: checked.definition,
      ir,
      input,
      ...(runBudget ? { budget: runBudget } : {}),
      ...(seed ? { replay: seed } : {}),
      ...(replay && replay.agentNodes.length > 0 ? { agentNodes: replay.agentNodes } : {}),
    });
  } catch (err) {
    await markStartFailed(env.DB, runId, {
      error: JSON.stringify({ code: "start_failed", message: String(err), retryable: true }),
      finishedAt: Date.now(),
    });
    throw err;
  }
  return runId;
}
