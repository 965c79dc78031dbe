import type { Context } from "hono";
import type { WorkflowDefinition } from "../../../core/workflow/definition";
import { runInputIssues } from "../../../core/workflow/tool";
import {
  type RunStart,
  type Started,
  StartRefused,
  startRun as startRunObject,
} from "../../../durable-objects/run/start";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { admitRun } from "../rate-limit";
import type { RunStarted, StartRunBody } from "../schemas/run";
import type { AppEnv } from "../types";
import { issueView } from "../validation";
import { loadVersion } from "./workflows";

export type { RunStart, Started };

/**
 * Starts a run (durable-objects/run/start.ts) under a new id unless the caller chose one, or
 * queues it behind its workflow's concurrency limit; a refusal answers as the API's error.
 */
export async function startRun(
  env: Env,
  start: Omit<RunStart, "runId"> & { runId?: string },
): Promise<Started> {
  try {
    return await startRunObject(env, { ...start, runId: start.runId ?? newId("run") });
  } catch (err) {
    if (!(err instanceof StartRefused)) throw err;
    throw new ApiError(err.status, err.code, err.message, err.details, err.retryAfterSeconds);
  }
}

/**
 * Refuses a run input that breaks the start node's `inputSchema`: 400 `validation_failed`
 * with each problem at `input.<path>`. Every start whose input comes from outside (the REST
 * start, MCP, a webhook's body) checks it before anything is claimed or started.
 */
export function checkRunInput(
  v: { definition: WorkflowDefinition; version: number },
  input: unknown,
): void {
  const issues = runInputIssues(v.definition, input);
  if (issues.length === 0) return;
  throw new ApiError(
    400,
    "validation_failed",
    `the input does not match the input schema of workflow "${v.definition.name}" version ${v.version}`,
    { errors: issues.map(issueView) },
  );
}

/** A start of a workflow's latest (or a given) version, as a request asks for it. */
export type RunStartRequest = StartRunBody & { workflowId: string };

/**
 * Starts a run of a tenant's workflow as the request's key: its version (404 for another
 * tenant's workflow), its input against the start node's `inputSchema` (400 with each problem's
 * path under `input`; nothing starts), admission (429 with `Retry-After` past the rate limits; the `RateLimit-*`
 * headers either way), then the start, or a place in the queue behind the workflow's
 * concurrency limit. The REST start and the MCP server's both call this.
 */
export async function startWorkflowRun(
  c: Context<AppEnv>,
  request: RunStartRequest,
): Promise<RunStarted> {
  const v = await loadVersion(c.env, c.get("tenantId"), request.workflowId, request.version);
  checkRunInput(v, request.input ?? null);
  await admitRun(c, v.definition);
  const started = await startRun(c.env, {
    tenantId: c.get("tenantId"),
    workflowId: v.workflow.id,
    version: v.version,
    definition: v.definition,
    input: request.input ?? null,
    ...(request.budget ? { budget: request.budget } : {}),
  });
  const base = { runId: started.runId, workflowId: v.workflow.id, version: v.version };
  if (started.status === "queued") {
    return { ...base, status: "queued", queue: { position: started.position, key: started.key } };
  }
  return { ...base, status: "running" };
}
