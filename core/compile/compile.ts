import { DEFAULT_EXPRESSION_TIMEOUT_MS } from "../expressions/limits";
import { KINDS, type KindRegistry } from "../kinds/registry";
import { edgeCsr } from "../optimise/graph";
import type { GraphKernels } from "../optimise/kernels";
import { referenceKernels } from "../optimise/kernels";
import { optimise } from "../optimise/optimise";
import type { RetryPolicy, WorkflowDefinition } from "../workflow/definition";
import { type IR, IR_VERSION, type IREdge, type IRNode, type IRStep, type PassName } from "./ir";
import type { LevelsFn } from "./levels";

/** HTTP nodes whose timeout is at most this run inline in the DO when their mode is `auto`. */
export const INLINE_HTTP_MAX_TIMEOUT_MS = 5_000;

export interface CompileOptions {
  /**
   * The optimiser's graph kernels: the WebAssembly module in workerd
   * (platform/optimiser.ts), the TypeScript reference by default.
   */
  kernels?: GraphKernels;
  /** Only the levels kernel (kept for older callers); `kernels` takes precedence. */
  levels?: LevelsFn;
  /** Run the optimiser's passes (core/optimise). Default true; false gives the plain IR. */
  optimise?: boolean;
  /** Only these passes (benchmarks and tests); all by default. */
  passes?: readonly PassName[];
  /** The kinds the definition's types name; the platform's by default. */
  kinds?: KindRegistry;
}

/**
 * Compiles a validated definition to IR: stable ids, adjacency, ports, defaults applied,
 * dispatch modes chosen, loop bodies and parallel levels computed, then optimised (every
 * compile, and every recompile of a patched graph, goes through here). Deterministic: the same
 * definition always gives the same IR.
 * @example
 * const ir = compile(validated.definition);
 * ir.nodes[ir.byId.start].out; // edge indexes leaving start
 */
export function compile(def: WorkflowDefinition, options: CompileOptions = {}): IR {
  const kinds = options.kinds ?? KINDS;
  const byId: Record<string, number> = {};
  const nodes: IRNode[] = def.nodes.map((spec, index) => {
    byId[spec.id] = index;
    const expressionTimeoutMs = spec.expressionTimeoutMs ?? DEFAULT_EXPRESSION_TIMEOUT_MS;
    const step = compileStep(
      kinds,
      spec.type,
      spec.config,
      spec.retry,
      spec.timeoutMs,
      expressionTimeoutMs,
    );
    const kind = kinds.get(spec.type);
    const node: IRNode = {
      ...step,
      id: spec.id,
      index,
      join: spec.join,
      ports: kind ? [...kind.ports(step.config as never)] : [],
      in: [],
      out: [],
      level: 0,
    };
    const fanOut = step.mode === "skip" ? undefined : kind?.traits.fanOut;
    if (fanOut) {
      const body = fanOut.step(step.config);
      // The per-item step evaluates under the map node's budget.
      node.body = compileStep(
        kinds,
        body.type,
        body.config,
        body.retry,
        body.timeoutMs,
        expressionTimeoutMs,
      );
    }
    return node;
  });
  const edges: IREdge[] = def.edges.map((e, index) => ({
    index,
    from: e.from,
    to: e.to,
    on: e.on ?? null,
    loop: e.loop ? e.loop.maxIterations : null,
  }));
  for (const e of edges) {
    nodes[byId[e.from]!]!.out.push(e.index);
    nodes[byId[e.to]!]!.in.push(e.index);
  }
  const kernels =
    options.kernels ??
    (options.levels ? { ...referenceKernels, levels: options.levels } : referenceKernels);
  const levels = kernels.levels(edgeCsr({ nodes, edges, byId }));
  nodes.forEach((n, i) => {
    n.level = levels[i] ?? 0;
  });
  const start = def.nodes.find((n) => kinds.get(n.type)?.traits.entry)?.id ?? def.nodes[0]!.id;
  const ir: IR = {
    irVersion: IR_VERSION,
    name: def.name,
    start,
    nodes,
    edges,
    byId,
    loopBodies: loopBodies(nodes, edges, byId),
    rewrites: [],
  };
  if (def.timeoutSeconds !== undefined) ir.deadlineMs = def.timeoutSeconds * 1000;
  if (options.optimise === false) return ir;
  return optimise(
    ir,
    options.passes ? { kernels, kinds, passes: options.passes } : { kernels, kinds },
  );
}

function compileStep(
  kinds: KindRegistry,
  type: string,
  rawConfig: Record<string, unknown>,
  retry: RetryPolicy | undefined,
  timeoutMs: number | undefined,
  expressionTimeoutMs: number,
): IRStep {
  const kind = kinds.get(type);
  if (!kind || kind.status === "coming_soon") {
    return {
      type,
      config: rawConfig,
      retry: { maxAttempts: 1, backoff: "fixed", initialDelayMs: 0, maxDelayMs: 0 },
      timeoutMs: timeoutMs ?? 0,
      expressionTimeoutMs,
      mode: "skip",
    };
  }
  const parsed = kind.config.safeParse(rawConfig);
  const config = (parsed.success ? parsed.data : rawConfig) as Record<string, unknown>;
  const timeout = timeoutMs ?? kind.defaults.timeoutMs;
  let mode: IRStep["mode"] = "inline";
  if (kind.execution === "wait") mode = "wait";
  if (kind.execution === "io") {
    // Only a kind the RunObject can fetch itself may run inline; the rest always queue.
    const wanted = kind.traits.fetchesInline
      ? ((config as { mode?: string }).mode ?? "auto")
      : "queued";
    mode =
      wanted === "inline" || (wanted === "auto" && timeout <= INLINE_HTTP_MAX_TIMEOUT_MS)
        ? "inline"
        : "queued";
  }
  return {
    type,
    config,
    retry: retry ?? kind.defaults.retry,
    timeoutMs: timeout,
    expressionTimeoutMs,
    mode,
  };
}

/** For each loop edge source → target: nodes reachable from target that reach source. */
function loopBodies(
  nodes: IRNode[],
  edges: IREdge[],
  byId: Record<string, number>,
): Record<number, string[]> {
  const bodies: Record<number, string[]> = {};
  const walk = (from: string, dir: "out" | "in"): Set<string> => {
    const seen = new Set([from]);
    const todo = [from];
    while (todo.length > 0) {
      const node = nodes[byId[todo.pop()!]!]!;
      for (const ei of node[dir]) {
        const e = edges[ei]!;
        if (e.loop !== null) continue;
        const next = dir === "out" ? e.to : e.from;
        if (!seen.has(next)) {
          seen.add(next);
          todo.push(next);
        }
      }
    }
    return seen;
  };
  for (const e of edges) {
    if (e.loop === null) continue;
    const down = walk(e.to, "out");
    const up = walk(e.from, "in");
    bodies[e.index] = nodes.map((n) => n.id).filter((id) => down.has(id) && up.has(id));
  }
  return bodies;
}
