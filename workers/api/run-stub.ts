import { runInTenant } from "../../db/runs";
import { notFound } from "./errors";

/** A run's RunObject stub, after checking in D1 that the run belongs to the tenant (else 404). */
export async function runStub(env: Env, tenantId: string, runId: string) {
  if (!(await runInTenant(env.DB, tenantId, runId))) throw notFound(`run ${runId}`);
  return env.RUNS.get(env.RUNS.idFromName(runId));
}
