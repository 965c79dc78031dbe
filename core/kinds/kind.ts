import type { z } from "zod";
import type { RetryPolicy } from "../workflow/definition";

/**
 * How a kind executes:
 * - `inline`: pure, evaluated inside the RunObject (transform, condition, ...);
 * - `io`: does I/O; queued to the runner, or fetched inline by the DO when the compiler allows;
 * - `wait`: parks the node until a timer or a person resumes it (delay, approval).
 */
export type Execution = "inline" | "io" | "wait";

export type KindStatus = "active" | "experimental" | "coming_soon";

/** A place in a config value that holds an expression, for validation and the UI. */
export interface ExpressionField {
  path: (string | number)[];
  source: string;
}

/** One node kind: schema, ports, defaults and docs. Adding a kind = one file like this. */
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
}

export const NO_RETRY: RetryPolicy = {
  maxAttempts: 1,
  backoff: "exponential",
  initialDelayMs: 500,
  maxDelayMs: 60_000,
};

export const SUCCESS_PORT = "success";

/** Declares a kind with its config type inferred from the schema. */
export function defineKind<S extends z.ZodType<Record<string, unknown>>>(
  kind: Omit<NodeKind<z.infer<S>>, "config"> & { config: S },
): NodeKind<z.infer<S>> {
  return kind as unknown as NodeKind<z.infer<S>>;
}
