import type { z } from "zod";
import type { RunContext } from "../executors/context";
import type { ExpressionLimits } from "../expressions/limits";
import type { RetryPolicy } from "../workflow/definition";
import type { McpUse } from "./agent-tools";

/**
 * How a kind executes:
 * - `inline`: pure, evaluated inside the RunObject (transform, condition, ...);
 * - `io`: does I/O; queued to the runner, or fetched inline by the DO when the compiler allows;
 * - `wait`: parks the node until a timer, a person or a child run resumes it (delay, approval,
 *   subworkflow, an event).
 */
export type Execution = "inline" | "io" | "wait";

export type KindStatus = "active" | "experimental" | "coming_soon";

/** A place in a config value that holds an expression, for validation and the UI. */
export interface ExpressionField {
  path: (string | number)[];
  source: string;
}

/** A step as the inline executor gets it (a node, a map's per-item step, a fused follower). */
export interface InlineStep<Config = Record<string, unknown>> {
  id: string;
  type: string;
  config: Config;
  /** Ids of the nodes whose edges into this one fired (for join). */
  firedFrom?: string[];
  /** Budget of each evaluation of the step's expressions, ms (IRStep.expressionTimeoutMs). */
  expressionTimeoutMs?: number;
}

export interface InlineResult {
  output: unknown;
  /** Outcome port; null = the default success port. */
  port: string | null;
}

/** A node spec as a map holds its per-item step. */
export interface StepSpec {
  type: string;
  config: Record<string, unknown>;
  retry?: RetryPolicy;
  timeoutMs?: number;
}

/** What the semantic cache may do with a node (core/optimise/cache-keys.ts). */
export interface CacheTrait {
  ttlSeconds: number;
  /**
   * `config`: the rendered config holds every input. `reads`: the config's expressions read the
   * context, and the paths they read are part of the key (refused when they read the run, the
   * whole context or a volatile function).
   */
  inputs: "config" | "reads";
  /** How the rewrite's reason names what the key is made of. */
  keyedBy: string;
  /**
   * The node uses these MCP servers' tools: its output is reused only while none of the tools
   * it may call is registered as having effects, which the run checks before the lookup.
   */
  unlessMcpEffects?: readonly McpUse[];
}

/** A routing kind: the port a value picks, as the executor and the optimiser's folding agree. */
export interface Router<Config> {
  port(value: unknown, config: Config): string;
  /** The expression that replaces the folded one (it evaluates to the same port). */
  literal(value: unknown): string;
}

/**
 * What the compiler, the optimiser, the scheduler and the RunObject may assume of a kind. An
 * absent trait is the careful answer: not pure, not foldable, not cacheable, nominal pure cost.
 */
export interface KindTraits<Config> {
  /**
   * No effect outside the run: it reads the context and produces a value. The optimiser may
   * drop it when nothing live reads it.
   */
  pure?: boolean;
  /** The one node a run begins at: exactly one per workflow, no edge into it. */
  entry?: boolean;
  /** Its output becomes the run's output; the optimiser keeps it live. */
  runOutput?: boolean;
  /**
   * Calls a language model: its job carries only the rendered prompt, it spends the run's
   * budget (held when spent), it counts toward `agentsPerRun` and the admission tier, and its
   * semantic cache key holds the model that answers (the node's or the platform default).
   */
  model?: boolean;
  /** May change the running graph (a patch): the optimiser eliminates nothing in such a run. */
  patchesGraph?: boolean;
  /** May be the per-item step of a map. */
  mappable?: boolean;
  /**
   * An I/O kind the RunObject may execute itself with the guarded fetch (its config is an HTTP
   * request) when its `mode` asks for it or is `auto` with a short timeout; such jobs may also
   * take the eager path. Without it an I/O kind is always queued to the runner.
   */
  fetchesInline?: boolean;
  /**
   * Its value is a JSONata `expression` in its config that the optimiser may fold when the
   * outputs it reads are known: `value` (the output is the value), or a router (the value picks
   * a port).
   */
  fold?: "value" | Router<Config>;
  /** May run in a fused chain after its only predecessor (core/optimise/fuse.ts). */
  fusable?(config: Config): boolean;
  /** Identical renderings in flight in one run may share one execution (an idempotent GET). */
  coalescable?(config: Config): boolean;
  /** The semantic cache marking, or null when this node is not deterministic or did not ask. */
  cache?(config: Config): CacheTrait | null;
  /** Nominal duration (ms) in the optimiser's cost model (core/kinds/cost.ts); pure by default. */
  costMs?(config: Config): number;
  /** Runs one step per item of a list (map). */
  fanOut?: {
    step(config: Config): StepSpec;
    concurrency(config: Config): number;
    /** The list: anything but a list is a user error. */
    items(
      id: string,
      config: Config,
      ctx: RunContext,
      limits: ExpressionLimits,
    ): Promise<unknown[]>;
  };
  /** A `wait` kind: what resumes it. */
  wait?:
    | {
        for: "timer";
        /** When it wakes (epoch ms). */
        until(
          id: string,
          config: Config,
          ctx: RunContext,
          now: number,
          limits: ExpressionLimits,
        ): Promise<number>;
      }
    | {
        for: "person";
        /** The port taken when nobody decides before the timeout. */
        timeoutPort(config: Config): string;
      }
    /**
     * An event from outside the run (docs/COMPOSITION.md): its data is the node's result on
     * `received`; without one before the config's `timeoutSeconds`, the node takes `timeout`.
     */
    | { for: "event" }
    /** A run of another workflow (docs/COMPOSITION.md): its end is the node's result. */
    | {
        for: "child";
        /** The workflow it runs (an id or a name of the tenant) and which version. */
        calls(config: Config): { workflow: string; version: number | "latest" };
      };
}

/**
 * One node kind, declared in one file: schema, ports, defaults, where it executes, what the
 * optimiser and scheduler may do with it, and (pure kinds) how it evaluates. Adding a kind = a
 * file like this plus its line in registry.ts (I/O kinds also get their executor in the
 * runner's table, which the compiler checks is complete).
 */
export interface NodeKind<Config = Record<string, unknown>> {
  type: string;
  title: string;
  description: string;
  status: KindStatus;
  execution: Execution;
  config: z.ZodType<Config>;
  /** Outcome ports besides `error`. A single port means edges need no `on`. */
  ports(config: Config): readonly string[];
  /** Bare JSONata expressions in the config (templates `{{ }}` are found separately). */
  expressions(config: Config): ExpressionField[];
  defaults: { retry: RetryPolicy; timeoutMs: number };
  traits: KindTraits<Config>;
  /** `inline` kinds: evaluates the step against the run context. */
  run?(step: InlineStep<Config>, ctx: RunContext, limits: ExpressionLimits): Promise<InlineResult>;
}

export const NO_RETRY: RetryPolicy = {
  maxAttempts: 1,
  backoff: "exponential",
  initialDelayMs: 500,
  maxDelayMs: 60_000,
};

export const SUCCESS_PORT = "success";

/**
 * Declares a kind with its config type inferred from the schema; its type name and execution
 * stay literal, so the registry's list gives the union of kind names (the runner's executor
 * table is keyed by it). The functions are typed against the parsed config: every config they
 * get has passed `config` (validation before compile, the compiler's parse).
 * @example
 * export const upper = defineKind({ type: "upper", execution: "inline", config: z.strictObject({ text: z.string() }), ... });
 */
export function defineKind<
  T extends string,
  E extends Execution,
  S extends z.ZodType<Record<string, unknown>>,
>(
  kind: Omit<NodeKind<z.infer<S>>, "config" | "type" | "execution"> & {
    type: T;
    execution: E;
    config: S;
  },
): NodeKind & { type: T; execution: E } {
  return kind as unknown as NodeKind & { type: T; execution: E };
}
