import type { Budget } from "../../core/agents/budget";
import { ancestors } from "../../core/compile/ancestors";
import { checkGraphLimits, parseRunLimits } from "../../core/patches";
import { validateWorkflow } from "../../core/workflow/validate";
import { copyHolds } from "../../db/blobs";
import { insertStartedRun, markStartFailed, type RunTrigger, runInTenant } from "../../db/runs";
import { compileWorkflow } from "../../platform/optimiser";
import type { ParentLink } from "./child-runs";
import type { ReplaySeed } from "./replay";
import { type RunRpc, runObject } from "./rpc";

/**
 * Starting a run, for everything that starts one: the API, webhooks, cron, replays and (issue
 * 19, docs/COMPOSITION.md) a parent run's object. Compile (with the WASM optimiser), record the
 * run in D1, create its RunObject. If the object cannot be created the D1 row is marked failed,
 * so no run is listed as running forever. The caller names the run (a webhook delivery records
 * its id before starting, so a retry after a crash finds the run or starts that same id: the
 * runs table's key lets only one start win).
 */

/** Why a run was not started, as the API answers it. */
export class StartRefused extends Error {
  constructor(
    readonly status: 400 | 409 | 422,
    readonly code: "conflict" | "limit_exceeded" | "validation_failed",
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

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
  /** Chosen by the caller: a webhook delivery records it first. */
  runId: string;
  /** How it was started (`api` unless said; a replay is always `replay`). */
  trigger?: RunTrigger;
  /** A child run: the parent's node attempt it answers (docs/COMPOSITION.md). */
  parent?: ParentLink;
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
    throw new StartRefused(409, "conflict", `run ${replay.sourceRunId} is being deleted`);
  }
}

/** Starts the run; throws StartRefused when it cannot start (nothing is then recorded). */
export async function startRun(env: Env, start: RunStart): Promise<string> {
  const { tenantId, workflowId, version, definition, input, replay, budget, runId } = start;
  const checked = validateWorkflow(definition);
  if (!checked.ok) {
    throw new StartRefused(
      409,
      "conflict",
      `version ${version} of ${workflowId} no longer validates`,
    );
  }
  const limits = checkGraphLimits(checked.definition, parseRunLimits(env.AOB_RUN_LIMITS));
  if (limits.length > 0) {
    throw new StartRefused(422, "limit_exceeded", limits[0]!.message, {
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
      throw new StartRefused(
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
      ...(start.parent ? { parent: start.parent } : {}),
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
