import { env, runInDurableObject } from "cloudflare:test";
import type { SeedDeps } from "../support/sim/seed";
import { createWorkflow, ECHO_WORKFLOW } from "./helpers";

/** What a simulated seed needs from the test pool: D1, a tenant's workflow, fresh objects. */
export async function simDeps(): Promise<SeedDeps> {
  return {
    env,
    owner: { tenantId: "t_a", workflowId: await createWorkflow(ECHO_WORKFLOW) },
    withStorage: (name, fn) =>
      runInDurableObject(env.RUNS.get(env.RUNS.idFromName(name)), (_object, state) =>
        fn(state.storage),
      ),
  };
}
