import { env, runInDurableObject } from "cloudflare:test";
import type { SeedDeps } from "../support/sim/seed";
import { createWorkflow, ECHO_WORKFLOW } from "./helpers";

/**
 * What a simulated seed needs from the test pool: D1, a tenant's workflow, fresh storage. The
 * storage is two objects' (a reference run's and a faulted run's), emptied before each use:
 * vitest-pool-workers wraps an object class's prototype in one more Proxy for every instance it
 * constructs, so some thousands of fresh objects overflow the stack (seen after ~1,000 seeds).
 * The engine is built over the storage by the simulation, never by the object, so reuse is
 * invisible to it. Child runs (generation 6) live in more slots the same way: a Durable
 * Object's storage is reachable only from its own object's context, so each is entered there.
 */
export async function simDeps(): Promise<SeedDeps> {
  const slotOf = (name: string) =>
    name.endsWith("-ref") ? "sim-slot-reference" : "sim-slot-faulted";
  return {
    env,
    owner: { tenantId: "t_a", workflowId: await createWorkflow(ECHO_WORKFLOW) },
    slotOf,
    withStorage: (name, fn) =>
      runInDurableObject(
        env.RUNS.get(env.RUNS.idFromName(slotOf(name))),
        async (_object, state) => {
          await state.storage.deleteAll();
          return fn(state.storage);
        },
      ),
    // A child run's object (generation 6) lives in a slot of its own, entered for every call.
    enter: (slot, fn) =>
      runInDurableObject(env.RUNS.get(env.RUNS.idFromName(slot)), (_object, state) =>
        fn(state.storage),
      ),
  };
}
