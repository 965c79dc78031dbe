import { z } from "zod";
import { kindOf } from "../kinds/registry";
import { MAX_NODES, type WorkflowDefinition } from "../workflow/definition";
import type { ValidationIssue } from "../workflow/issues";

/** What one run may grow to through patches. `AOB_RUN_LIMITS` (JSON) overrides any of them. */
export const RunLimits = z.strictObject({
  /** Agent nodes in the materialised graph, the base definition's included. */
  agentsPerRun: z.number().int().min(0).max(1000).default(5),
  /** Accepted patches. */
  patchesPerRun: z.number().int().min(0).max(10_000).default(20),
  /** Proposals, accepted or not: bounds what a looping agent can make the run store. */
  proposalsPerRun: z.number().int().min(0).max(100_000).default(50),
  /** Nodes in the materialised graph. */
  nodesPerRun: z.number().int().min(1).max(MAX_NODES).default(MAX_NODES),
});
export type RunLimits = z.infer<typeof RunLimits>;

export const DEFAULT_RUN_LIMITS: RunLimits = RunLimits.parse({});

/**
 * Reads `AOB_RUN_LIMITS`; a malformed value is a configuration error, not a silent default.
 * @example
 * parseRunLimits('{"agentsPerRun": 2}').agentsPerRun; // 2
 */
export function parseRunLimits(raw: string | undefined): RunLimits {
  if (!raw || raw.trim() === "") return DEFAULT_RUN_LIMITS;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`AOB_RUN_LIMITS is not JSON: ${(err as Error).message}`);
  }
  const parsed = RunLimits.safeParse(json);
  if (!parsed.success) {
    throw new Error(
      `AOB_RUN_LIMITS is invalid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return parsed.data;
}

/** The size limits a materialised graph must keep; each refusal names its limit. */
export function checkGraphLimits(def: WorkflowDefinition, limits: RunLimits): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const { agents } = graphSize(def);
  if (agents > limits.agentsPerRun) {
    issues.push({
      path: ["nodes"],
      code: "limit_exceeded",
      message: `limit agentsPerRun is ${limits.agentsPerRun}: the run would have ${agents} agent nodes`,
      severity: "error",
    });
  }
  if (def.nodes.length > limits.nodesPerRun) {
    issues.push({
      path: ["nodes"],
      code: "limit_exceeded",
      message: `limit nodesPerRun is ${limits.nodesPerRun}: the run would have ${def.nodes.length} nodes`,
      severity: "error",
    });
  }
  return issues;
}

/** What a run's graph adds to its tree's limits: its agent nodes and its nodes. */
export interface GraphSize {
  agents: number;
  nodes: number;
}

/** The agent nodes and nodes of a definition (unknown: a stored one, already validated). */
export function graphSize(def: unknown): GraphSize {
  const nodes = (def as { nodes?: { type?: string }[] } | null)?.nodes ?? [];
  return {
    agents: nodes.filter((n) => kindOf(n.type ?? "")?.traits.model).length,
    nodes: nodes.length,
  };
}

/**
 * A tree of runs (a root and every sub-workflow run started under it, docs/COMPOSITION.md)
 * keeps the run limits together: what it would hold with one more child, against them. Null
 * when it fits; otherwise the refusal, naming the limit.
 * @example
 * treeLimitRefusal({ agents: 6, nodes: 9 }, DEFAULT_RUN_LIMITS); // "limit agentsPerRun is 5: ..."
 */
export function treeLimitRefusal(total: GraphSize, limits: RunLimits): string | null {
  if (total.agents > limits.agentsPerRun) {
    return `limit agentsPerRun is ${limits.agentsPerRun}, counted across the run and its sub-workflow runs: they would have ${total.agents} agent nodes`;
  }
  if (total.nodes > limits.nodesPerRun) {
    return `limit nodesPerRun is ${limits.nodesPerRun}, counted across the run and its sub-workflow runs: they would have ${total.nodes} nodes`;
  }
  return null;
}
