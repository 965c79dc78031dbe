import { ZERO_USAGE } from "../../../core/agents/usage";
import { findRun } from "../../../db/runs";
import { gateObject, keyOfGate } from "../../../durable-objects/gate/gates";
import type { RunRpc } from "../../../durable-objects/run/rpc";
import { notFound } from "../errors";
import { runStub } from "../run-stub";
import type { RunView } from "../schemas/run";

/** The run as its RunObject shows it (its RPC result, typed by the API's schema), or 404. */
export async function objectView(stub: RunRpc, runId: string): Promise<RunView> {
  const run = await stub.get();
  if (!run) throw notFound(`run ${runId}`);
  return run;
}

/**
 * The run as its RunObject shows it (`seen`, when the caller already asked it); a run queued
 * behind its workflow's concurrency limit (no object yet, docs/FLOW-CONTROL.md), or one that
 * ended there, as its D1 row and gate show it; 404 otherwise.
 */
export async function viewOf(
  env: Env,
  tenantId: string,
  stub: RunRpc,
  runId: string,
  seen?: RunView | null,
): Promise<RunView> {
  const run = seen === undefined ? await stub.get() : seen;
  if (run) return run;
  const row = await findRun(env.DB, tenantId, runId);
  if (!row?.gate) throw notFound(`run ${runId}`);
  const position = row.status === "queued" ? await gateObject(env, row.gate).position(runId) : null;
  const error = row.error ? (JSON.parse(row.error) as { code: string; message: string }) : null;
  return {
    id: row.id,
    workflowId: row.workflowId,
    version: row.version,
    status: row.status,
    tokens: 0,
    createdAt: row.createdAt,
    ...(row.finishedAt === null ? {} : { finishedAt: row.finishedAt }),
    nodes: [],
    lastSeq: 0,
    usage: ZERO_USAGE,
    patches: [],
    approvals: [],
    ...(error ? { error: { ...error, retryable: false, nodeId: "" } } : {}),
    queue: { position, key: keyOfGate(row.gate, row.tenantId, row.workflowId) },
  };
}

/**
 * A tenant's run (404 for another tenant's) once it has ended, or as it is after `waitMs` (at
 * most a minute, the object's limit): the object answers when the run's end is committed, so
 * nothing is polled. A queued run is answered as it is, at once: it has no object to wait on.
 */
export async function awaitRunView(
  env: Env,
  tenantId: string,
  runId: string,
  waitMs: number,
): Promise<RunView> {
  const stub = await runStub(env, tenantId, runId);
  return viewOf(env, tenantId, stub, runId, await stub.awaitEnd(waitMs));
}
