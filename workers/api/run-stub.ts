import { type RunRpc, runObject } from "../../durable-objects/run/rpc";
import { notFound } from "./errors";

/** A run's RunObject stub, after checking in D1 that the run belongs to the tenant (else 404). */
export async function runStub(env: Env, tenantId: string, runId: string): Promise<RunRpc> {
  const row = await env.DB.prepare(`SELECT id FROM runs WHERE id = ? AND tenant_id = ?`)
    .bind(runId, tenantId)
    .first();
  if (!row) throw notFound(`run ${runId}`);
  return runObject(env, runId);
}
