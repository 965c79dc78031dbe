import type { Budget } from "../../core/agents/budget";
import { ancestors } from "../../core/compile/ancestors";
import type { RunContext } from "../../core/executors/context";
import { limitsOf } from "../../core/executors/inline";
import { render } from "../../core/kinds/evaluate";
import { checkGraphLimits, parseRunLimits } from "../../core/patches";
import type { Concurrency, Debounce, Throttle } from "../../core/workflow/definition";
import { validateWorkflow } from "../../core/workflow/validate";
import { copyHolds } from "../../db/blobs";
import {
  deleteQueuedRun,
  insertQueuedRun,
  insertStartedRun,
  markStartFailed,
  type RunTrigger,
  runInTenant,
  startQueuedRun,
} from "../../db/runs";
import { compileWorkflow } from "../../platform/optimiser";
import type { GatedBy } from "../gate/gate-book";
import { gateName, gateObject } from "../gate/gates";
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
    readonly status: 400 | 409 | 422 | 429,
    readonly code: "conflict" | "limit_exceeded" | "validation_failed" | "queue_full",
    message: string,
    readonly details?: unknown,
    /** With 429: when to try again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** A start's answer: the run started, or waits in its workflow's queue (docs/FLOW-CONTROL.md). */
export type Started =
  | { runId: string; status: "running" }
  | { runId: string; status: "queued"; position: number; key: string | null }
  /** A gate's start of a run cancelled while it was queued: nothing started. */
  | { runId: string; status: "cancelled" };

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
  /** Set by a gate starting a run it queued (durable-objects/gate/): its D1 row exists. */
  gated?: GatedBy;
  /**
   * Set by a parent creating a child whose `running` row an earlier start wrote (its create
   * call failed, or the parent stopped in between): only the object is created.
   */
  recorded?: boolean;
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

/**
 * Starts the run, or queues it when its workflow's concurrency limit is reached; throws
 * StartRefused when it cannot (nothing is then recorded).
 */
export async function startRun(env: Env, start: RunStart): Promise<Started> {
  const flow = start.definition as Flow | null;
  // Replays start at once: a replay's graph is its source's, not a version a gate can read.
  if ((flow?.concurrency || flow?.throttle || flow?.debounce) && !start.gated && !start.replay) {
    // A recorded child of a gated workflow was admitted to its gate, which starts it (and
    // starts it again if its create was lost): the parent has nothing to add.
    if (start.recorded) return { runId: start.runId, status: "running" };
    return queueRun(env, start, flow);
  }
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
  if (start.gated) {
    // Its row was written when it was queued; a start tried again finds it started.
    const before = await startQueuedRun(env.DB, runId);
    if (before === "cancelled" || before === null) return { runId, status: "cancelled" };
  } else if (!start.recorded) {
    await insertStartedRun(env.DB, {
      id: runId,
      tenantId,
      workflowId,
      version,
      createdAt,
      trigger,
    });
  }
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
      ...(start.gated ? { gated: start.gated } : {}),
    });
  } catch (err) {
    await markStartFailed(env.DB, runId, {
      error: JSON.stringify({ code: "start_failed", message: String(err), retryable: true }),
      finishedAt: Date.now(),
    });
    throw err;
  }
  return { runId, status: "running" };
}

/** How long the concurrency key's template may take to render. */
const KEY_LIMITS = limitsOf(undefined);
/** The longest rendered concurrency key. */
export const MAX_KEY_LENGTH = 200;

/** A definition's flow rules (docs/FLOW-CONTROL.md). */
interface Flow {
  concurrency?: Concurrency;
  throttle?: Throttle;
  debounce?: Debounce;
}

/**
 * A start of a workflow with flow rules: rendered key and priority, D1 row `queued` under its
 * gate, then the gate, which starts it now if the rules allow. A full queue refuses it, and a
 * debounce collapses it into the run already waiting: either way its own row goes.
 */
async function queueRun(env: Env, start: RunStart, flow: Flow): Promise<Started> {
  const { concurrency, throttle, debounce } = flow;
  const { runId, tenantId, workflowId, version } = start;
  const queuedAt = Date.now();
  const context: RunContext = {
    input: start.input,
    nodes: {},
    run: { id: runId, startedAt: new Date(queuedAt).toISOString(), workflowId, version },
  };
  // Validation made every rule's key the same: the first set names it.
  const keyed =
    (["concurrency", "throttle", "debounce"] as const).find((f) => flow[f]) ?? "concurrency";
  const key = await renderKey(flow[keyed]?.key, context, [keyed, "key"]);
  const priority = await renderPriority(concurrency?.priority, context);
  const gate = gateName(tenantId, workflowId, key);
  const trigger: RunTrigger = start.trigger ?? "api";
  await insertQueuedRun(env.DB, {
    id: runId,
    tenantId,
    workflowId,
    version,
    createdAt: queuedAt,
    trigger,
    gate,
  });
  const answer = await gateObject(env, gate).admit(
    {
      runId,
      tenantId,
      workflowId,
      version,
      input: start.input,
      trigger,
      ...(start.budget ? { budget: start.budget } : {}),
      ...(start.parent ? { parent: start.parent } : {}),
      queuedAt,
      key,
      ...(priority === 0 ? {} : { priority }),
    },
    {
      ...(concurrency ? { concurrency: concurrency.limit } : {}),
      ...(throttle
        ? { throttle: { limit: throttle.limit, periodMs: throttle.periodSeconds * 1000 } }
        : {}),
      ...(debounce ? { debounceMs: debounce.periodSeconds * 1000 } : {}),
      maxQueued: concurrency?.maxQueued ?? throttle?.maxQueued ?? 1000,
    },
  );
  if (answer.status === "collapsed") {
    await deleteQueuedRun(env.DB, runId);
    return { runId: answer.runId, status: "queued", position: answer.position, key };
  }
  if (answer.status === "full") {
    await deleteQueuedRun(env.DB, runId);
    throw new StartRefused(429, "queue_full", answer.message, undefined, 1);
  }
  if (answer.status === "refused") {
    const { status, code, message, details } = answer.refusal;
    const parsed = typeof details === "string" ? (JSON.parse(details) as unknown) : undefined;
    throw new StartRefused(status, code as StartRefused["code"], message, parsed);
  }
  if (answer.status === "queued")
    return { runId, status: "queued", position: answer.position, key };
  return { runId, status: "running" };
}

/** A refusal of a flow template's value, at its path. */
function flowRefusal(path: [string, string], message: string): StartRefused {
  const at = path.join(".");
  return new StartRefused(400, "validation_failed", `${at}: ${message}`, {
    errors: [{ path, at, code: "invalid_flow_value", message }],
  });
}

/** `concurrency.priority`'s value for this input (0 without one): a finite number. */
async function renderPriority(template: string | undefined, context: RunContext): Promise<number> {
  if (template === undefined) return 0;
  const path: [string, string] = ["concurrency", "priority"];
  let value: unknown;
  try {
    value = await render(template, context, KEY_LIMITS);
  } catch (err) {
    throw flowRefusal(path, `did not render: ${err instanceof Error ? err.message : String(err)}`);
  }
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n)) {
    throw flowRefusal(path, `renders to ${JSON.stringify(value)}; expected a number`);
  }
  return n;
}

/** The flow rules' key for this input; null without a key. */
async function renderKey(
  template: string | undefined,
  context: RunContext,
  path: [string, string],
): Promise<string | null> {
  if (template === undefined) return null;
  const refuse = (message: string) => flowRefusal(path, message);
  let value: unknown;
  try {
    value = await render(template, context, KEY_LIMITS);
  } catch (err) {
    throw refuse(`the key did not render: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  if (text.length > MAX_KEY_LENGTH) {
    throw refuse(`the key renders to ${text.length} characters; at most ${MAX_KEY_LENGTH}`);
  }
  return text;
}
