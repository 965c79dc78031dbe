/**
 * A finished run as spans (docs/OBSERVABILITY.md, "Traces (OpenTelemetry)"): one span for the
 * run and one per node attempt under it, in plain data; platform/telemetry turns them into
 * OTLP with the official serializers. What a span may carry is decided here, once:
 * identifiers, kinds, attempt numbers, statuses, times, token counts, costs and error codes.
 * Never a config value, an input or an output, so no secret a node used can reach a collector;
 * the one free text is a failure's message, the same redacted message the event log keeps.
 */

import type { Usage } from "../agents/usage";
import { attemptSpanIdOf, runSpanIdOf, traceIdOf } from "./ids";

/** An error message in a span's status is cut to this many characters. */
export const MAX_STATUS_MESSAGE = 1_000;

export type RunEnd = "completed" | "failed" | "cancelled";

/** One attempt of a node, as the run recorded it. */
export interface AttemptRecord {
  nodeId: string;
  /** The node's kind (`http`, `agent`, ...). */
  kind: string;
  attempt: number;
  iteration: number;
  /** `failed` also for an attempt that was retried. */
  status: "succeeded" | "failed" | "cancelled";
  startedAt: number;
  finishedAt: number;
  error?: { code: string; message: string; retryable: boolean };
  /** What its model calls spent (an agent, or a sub-workflow's child tree). */
  usage?: Usage;
}

/** What a run's trace is built from. */
export interface RunTraceInput {
  runId: string;
  /** The tree's root run: the trace's id comes from it (the run itself when it has no parent). */
  rootRunId: string;
  /** For a child run: its parent's run, and the node attempt that started it. */
  parent?: { runId: string; nodeId: string; attempt: number };
  workflow: { id: string; name?: string; version: number };
  status: RunEnd;
  startedAt: number;
  finishedAt: number;
  failure?: { nodeId?: string; code: string; message: string };
  /** The run's spending, its children's included. */
  usage: Usage;
  attempts: AttemptRecord[];
}

export type SpanValue = string | number | boolean;

/** One span, in plain data (times in milliseconds since the epoch). */
export interface TraceSpan {
  traceId: string;
  spanId: string;
  /** Absent for a root run's span. */
  parentSpanId?: string;
  /** Whether the parent span belongs to another run (a child run's span). */
  parentRemote?: boolean;
  name: string;
  startMs: number;
  endMs: number;
  status: { code: "unset" | "ok" | "error"; message?: string };
  attributes: Record<string, SpanValue>;
}

function usageAttributes(usage: Usage | undefined): Record<string, SpanValue> {
  if (!usage || (usage.calls === 0 && usage.promptTokens + usage.completionTokens === 0)) {
    return {};
  }
  return {
    "aob.tokens.prompt": usage.promptTokens,
    "aob.tokens.completion": usage.completionTokens,
    "aob.tokens.cached": usage.cachedTokens,
    "aob.model.calls": usage.calls,
    ...(usage.costUsd === null ? {} : { "aob.cost_usd": usage.costUsd }),
  };
}

const cut = (message: string) =>
  message.length > MAX_STATUS_MESSAGE ? `${message.slice(0, MAX_STATUS_MESSAGE - 1)}…` : message;

/**
 * The spans of a finished run: its own first, then its node attempts by start time. Ids are
 * derived (ids.ts), so building the same run twice gives the same spans.
 * @example
 * const spans = await buildRunTrace({ runId: "run_1", rootRunId: "run_1", workflow: { id: "wf_1", version: 1 },
 *   status: "completed", startedAt: 0, finishedAt: 10, usage: ZERO_USAGE,
 *   attempts: [{ nodeId: "fetch", kind: "http", attempt: 1, iteration: 0, status: "succeeded", startedAt: 1, finishedAt: 9 }] });
 * spans.map((s) => s.name); // ["wf_1", "fetch"]
 * spans[1].parentSpanId === spans[0].spanId; // true
 */
export async function buildRunTrace(input: RunTraceInput): Promise<TraceSpan[]> {
  const traceId = await traceIdOf(input.rootRunId);
  const runSpanId = await runSpanIdOf(input.runId);
  const parentSpanId = input.parent
    ? await attemptSpanIdOf(input.parent.runId, input.parent.nodeId, input.parent.attempt)
    : undefined;
  const failure = input.failure;
  const run: TraceSpan = {
    traceId,
    spanId: runSpanId,
    ...(parentSpanId ? { parentSpanId, parentRemote: true } : {}),
    name: input.workflow.name ?? input.workflow.id,
    startMs: input.startedAt,
    endMs: Math.max(input.startedAt, input.finishedAt),
    status:
      input.status === "completed"
        ? { code: "ok" }
        : input.status === "failed"
          ? { code: "error", message: cut(failure?.message ?? "the run failed") }
          : { code: "unset" },
    attributes: {
      "aob.run.id": input.runId,
      "aob.run.status": input.status,
      ...(input.parent
        ? { "aob.run.parent_id": input.parent.runId, "aob.run.root_id": input.rootRunId }
        : {}),
      "aob.workflow.id": input.workflow.id,
      "aob.workflow.version": input.workflow.version,
      ...(input.workflow.name ? { "aob.workflow.name": input.workflow.name } : {}),
      ...usageAttributes(input.usage),
      ...(input.status === "failed" && failure
        ? {
            "aob.error.code": failure.code,
            ...(failure.nodeId ? { "aob.error.node_id": failure.nodeId } : {}),
          }
        : {}),
    },
  };
  const attempts = [...input.attempts].sort(
    (a, b) =>
      a.startedAt - b.startedAt ||
      (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0) ||
      a.attempt - b.attempt,
  );
  const nodes = await Promise.all(
    attempts.map(
      async (a): Promise<TraceSpan> => ({
        traceId,
        spanId: await attemptSpanIdOf(input.runId, a.nodeId, a.attempt),
        parentSpanId: runSpanId,
        name: a.nodeId,
        startMs: a.startedAt,
        endMs: Math.max(a.startedAt, a.finishedAt),
        status:
          a.status === "succeeded"
            ? { code: "ok" }
            : a.status === "failed"
              ? { code: "error", message: cut(a.error?.message ?? "the attempt failed") }
              : { code: "unset" },
        attributes: {
          "aob.run.id": input.runId,
          "aob.node.id": a.nodeId,
          "aob.node.kind": a.kind,
          "aob.node.attempt": a.attempt,
          "aob.node.iteration": a.iteration,
          "aob.node.status": a.status,
          ...usageAttributes(a.usage),
          ...(a.error
            ? { "aob.error.code": a.error.code, "aob.error.retryable": a.error.retryable }
            : {}),
        },
      }),
    ),
  );
  return [run, ...nodes];
}
