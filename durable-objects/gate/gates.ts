import type { GatedStart } from "./gate-book";
import type { GateAnswer, GateRules } from "./RunGate";

/**
 * The RunGate's RPC contract (as `RunRpc` is the RunObject's, durable-objects/run/rpc.ts):
 * callers compile against this one declaration; the stub is checked against it.
 */
export interface GateRpc {
  admit(start: GatedStart, rules: GateRules): Promise<GateAnswer>;
  release(runId: string): Promise<void>;
  cancel(runId: string, reason?: string): Promise<boolean>;
  position(runId: string): Promise<number | null>;
}

/** The gate of a tenant's workflow and key (docs/FLOW-CONTROL.md): one object each. */
export function gateName(tenantId: string, workflowId: string, key: string | null): string {
  return `gate:${tenantId}:${workflowId}:${key ?? ""}`;
}

/** The gate object of that name. */
export function gateObject(env: Pick<Env, "GATES">, name: string): GateRpc {
  return env.GATES.get(env.GATES.idFromName(name));
}

/** The concurrency key a gate's name holds; null for a workflow's only gate (no key). */
export function keyOfGate(name: string, tenantId: string, workflowId: string): string | null {
  const key = name.slice(gateName(tenantId, workflowId, null).length);
  return key === "" ? null : key;
}
