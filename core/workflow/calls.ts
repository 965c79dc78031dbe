/**
 * Which workflows a workflow calls (its subworkflow nodes), and the check that saving it closes
 * no cycle and nests no deeper than MAX_SUBWORKFLOW_DEPTH (docs/COMPOSITION.md, invariant 6).
 * Pure: the caller lends a loader for the tenant's stored workflows.
 */
import { KINDS, type KindRegistry } from "../kinds/registry";
import { MAX_SUBWORKFLOW_DEPTH } from "../kinds/subworkflow";
import type { WorkflowDefinition } from "./definition";
import type { ValidationIssue } from "./issues";

/** A subworkflow node's call: the node's place in the definition and what it names. */
export interface Call {
  index: number;
  nodeId: string;
  /** Where the call's `workflow` is in the definition. */
  path: (string | number)[];
  workflow: string;
  version: number | "latest";
}

/** The calls a definition makes, in node order. */
export function callsOf(def: WorkflowDefinition, kinds: KindRegistry = KINDS): Call[] {
  const calls: Call[] = [];
  const callOf = (type: string, config: unknown) => {
    const kind = kinds.get(type);
    const wait = kind?.traits.wait;
    if (wait?.for !== "child") return null;
    const parsed = kind!.config.safeParse(config ?? {});
    return parsed.success ? wait.calls(parsed.data) : null;
  };
  def.nodes.forEach((node, index) => {
    // A map over a subworkflow step calls it too, once per item.
    const fanOut = kinds.get(node.type)?.traits.fanOut;
    const parsed = fanOut ? kinds.get(node.type)!.config.safeParse(node.config ?? {}) : null;
    const step = parsed?.success ? fanOut!.step(parsed.data) : null;
    const call = step ? callOf(step.type, step.config) : callOf(node.type, node.config);
    const inStep = step ? ["node", "config"] : [];
    const path = ["nodes", index, "config", ...inStep, "workflow"];
    if (call) calls.push({ index, nodeId: node.id, path, ...call });
  });
  return calls;
}

/** A stored workflow as the check reads it. */
export interface CalledWorkflow {
  id: string;
  name: string;
  /** The definition of the version the call names. */
  definition: WorkflowDefinition;
}

/** Finds a tenant's workflow by id or name and loads the version a call names; null if none. */
export type LoadCalled = (
  workflow: string,
  version: number | "latest",
) => Promise<CalledWorkflow | null>;

/** Workflows read at most by one check: a wider tree is refused as too large to check. */
const MAX_LOADED = 200;

/**
 * The problem with saving `saving` (its id when it exists, and its new definition), or null:
 * a call that leads back to it (a cycle) or a chain of calls deeper than the limit. Calls to a
 * workflow that does not exist are left to run time (it may be created later).
 */
export async function callProblem(
  saving: { id: string | null; definition: WorkflowDefinition },
  load: LoadCalled,
  kinds: KindRegistry = KINDS,
): Promise<ValidationIssue | null> {
  const self = (workflow: string) => workflow === saving.id || workflow === saving.definition.name;
  const names = new Map<string, string>();
  let loaded = 0;
  const walk = async (
    def: WorkflowDefinition,
    chain: string[],
    top: Call | null,
  ): Promise<ValidationIssue | null> => {
    for (const call of callsOf(def, kinds)) {
      const from = top ?? call;
      const at = from.path;
      if (self(call.workflow)) {
        const path = [...chain, saving.definition.name].join(" → ");
        return {
          path: at,
          code: "subworkflow_cycle",
          message: `calls itself: ${path}`,
          severity: "error",
        };
      }
      if (chain.length >= MAX_SUBWORKFLOW_DEPTH) {
        return {
          path: at,
          code: "subworkflow_too_deep",
          message: `sub-workflows nest deeper than ${MAX_SUBWORKFLOW_DEPTH}: ${[...chain, call.workflow].join(" → ")}`,
          severity: "error",
        };
      }
      const key = `${call.workflow}@${call.version}@${chain.length}`;
      if (names.has(key)) continue;
      if (++loaded > MAX_LOADED) {
        return {
          path: at,
          code: "subworkflow_tree_too_large",
          message: `its sub-workflows call more than ${MAX_LOADED} workflows; the check stops there`,
          severity: "error",
        };
      }
      const called = await load(call.workflow, call.version);
      names.set(key, called?.name ?? call.workflow);
      if (!called) continue;
      if (self(called.id)) {
        const path = [...chain, called.name].join(" → ");
        return {
          path: at,
          code: "subworkflow_cycle",
          message: `calls itself: ${path}`,
          severity: "error",
        };
      }
      const found = await walk(called.definition, [...chain, called.name], from);
      if (found) return found;
    }
    return null;
  };
  return walk(saving.definition, [saving.definition.name], null);
}
