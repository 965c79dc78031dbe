import { runInTenant } from "../../db/runs";
import { type RunRpc, runObject } from "../../durable-objects/run/rpc";
import { notFound } from "./errors";

/** A run's RunObject stub, after checking in D1 that the run belongs to the tenant (else 404). */
export async function runStub(env: Env, tenantId: string, runId: string): Promise<RunRpc> {
  if (!(await runInTenant(env.DB, tenantId, runId))) throw notFound(`run ${runId}`);
  return runObject(env, runId);
}
