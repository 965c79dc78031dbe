import { KINDS, type KindRegistry } from "../kinds/registry";
import type { WorkflowDefinition } from "./definition";
import { formatPath, type ValidationIssue } from "./issues";
import { declaredInput, runInputIssues } from "./tool";

/** The input of a run its cron schedule starts: the minute it was due. */
export interface ScheduledInput {
  scheduledAt: string;
}

/** A scheduled run's input for the minute it was due (ISO text, UTC). */
export function scheduledInput(minute: Date): ScheduledInput {
  return { scheduledAt: minute.toISOString() };
}

/**
 * How the workflow's `inputSchema` refuses the input every scheduled run gets, each problem at
 * its path under `input`; none when a cron schedule's runs would start.
 * @example
 * const start = { id: "start", type: "start", config: { inputSchema: { required: ["email"] } }, join: "all" };
 * scheduledInputIssues({ name: "x", nodes: [start], edges: [] });
 * // [{ path: ["input"], code: "invalid_input", message: 'Instance does not have required property "email".', severity: "error" }]
 */
export function scheduledInputIssues(
  definition: WorkflowDefinition,
  kinds: KindRegistry = KINDS,
): ValidationIssue[] {
  return runInputIssues(definition, scheduledInput(new Date(0)), kinds);
}

/** One line for a refusal: each problem with its path, as `input.name: message; …`. */
export function describeScheduledInputIssues(issues: ValidationIssue[]): string {
  const problems = issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join("; ");
  return `a scheduled run's input is { scheduledAt }, and the start node's inputSchema refuses it (${problems})`;
}

/**
 * The warning a saved version gets when its workflow has a cron schedule whose runs its new
 * `inputSchema` would refuse (the version is saved; its scheduled runs are refused until it
 * accepts them).
 */
export function scheduleInputWarning(
  definition: WorkflowDefinition,
  kinds: KindRegistry = KINDS,
): ValidationIssue | null {
  const issues = scheduledInputIssues(definition, kinds);
  const declared = declaredInput(definition, kinds);
  if (issues.length === 0 || !declared) return null;
  return {
    path: declared.path,
    code: "schedule_input_refused",
    message: `this workflow has a cron schedule: ${describeScheduledInputIssues(issues)}; its scheduled runs are refused until the schema accepts it`,
    severity: "warning",
  };
}
