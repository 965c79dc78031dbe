import type { RunEvent } from "../../../core/wire/frames";
import type { Usage } from "../../../core/wire/node-view";
import type { NodeErrorInfo } from "./run-state";

/** Model usage as the API declares it (core/wire/node-view.ts): per node, run, attempt. */
export type UsageInfo = Usage;

export type AttemptStatus =
  | "queued"
  | "running"
  | "waiting"
  | "retrying"
  | "succeeded"
  | "failed"
  | "cancelled";

/** One attempt of a node, as the event log tells it. */
export interface Attempt {
  attempt: number;
  status: AttemptStatus;
  queuedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  durationMs?: number;
  /** What the attempt waits for (`approval`, `budget`, `delay`, `retry`). */
  waitingFor?: string;
  port?: string | null;
  error?: NodeErrorInfo;
  /** A failed attempt that will be retried: when the next one starts. */
  retryAt?: number;
  usage?: UsageInfo;
  /** How a queued job reached the runner: a queue message, or its run's answer (eager). */
  delivery?: "queue" | "eager";
}

function num(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}

function errorOf(value: unknown): NodeErrorInfo | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { code, message, retryable } = value as Record<string, unknown>;
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  return typeof retryable === "boolean" ? { code, message, retryable } : { code, message };
}

/** Reads `data.usage` of an agent's `node_succeeded`/`node_failed`. */
export function usageOf(value: unknown): UsageInfo | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const u = value as Record<string, unknown>;
  const prompt = num(u.promptTokens);
  const completion = num(u.completionTokens);
  if (prompt === undefined || completion === undefined) return undefined;
  return {
    promptTokens: prompt,
    completionTokens: completion,
    cachedTokens: num(u.cachedTokens) ?? 0,
    calls: num(u.calls) ?? 0,
    costUsd: num(u.costUsd) ?? null,
  };
}

const OPEN: ReadonlySet<AttemptStatus> = new Set(["queued", "running", "waiting"]);

/**
 * Every attempt of one node, oldest first, from the run's events (the API keeps no per-attempt
 * records of its own): queued, started, waiting, retrying (a failed attempt with a retry to
 * come), succeeded or failed, with durations, errors and an agent's usage. A loop iteration is
 * a new attempt number, so it is a row too.
 * @example
 * attemptsOf(events, "fetch").map((a) => a.status) // ["retrying", "succeeded"]
 */
export function attemptsOf(events: readonly RunEvent[], nodeId: string): Attempt[] {
  const byNumber = new Map<number, Attempt>();
  let latest: Attempt | undefined;
  const at = (n: number | undefined): Attempt | undefined => {
    if (n === undefined) return latest;
    let a = byNumber.get(n);
    if (!a) {
      a = { attempt: n, status: "queued" };
      byNumber.set(n, a);
    }
    latest = a;
    return a;
  };
  for (const e of events) {
    if (e.type === "run_cancelled") {
      for (const a of byNumber.values()) {
        if (OPEN.has(a.status)) {
          a.status = "cancelled";
          a.finishedAt = e.at;
        }
      }
      continue;
    }
    if (e.nodeId !== nodeId) continue;
    const d = e.data ?? {};
    const attempt = num(d.attempt);
    switch (e.type) {
      case "node_queued": {
        const a = at(attempt);
        if (a) {
          a.status = "queued";
          a.queuedAt = e.at;
        }
        break;
      }
      case "node_started": {
        const a = at(attempt);
        if (a) {
          a.status = "running";
          a.startedAt = num(d.startedAt) ?? e.at;
          if (d.delivery === "queue" || d.delivery === "eager") a.delivery = d.delivery;
        }
        break;
      }
      case "node_waiting": {
        const a = at(attempt);
        if (a && OPEN.has(a.status)) {
          a.status = "waiting";
          if (typeof d.reason === "string") a.waitingFor = d.reason;
        }
        break;
      }
      case "node_retrying":
      case "node_failed": {
        const a = at(attempt);
        if (!a) break;
        a.status = e.type === "node_failed" ? "failed" : "retrying";
        a.finishedAt = e.at;
        const error = errorOf(d.error);
        if (error) a.error = error;
        const retryAt = num(d.nextAttemptAt);
        if (retryAt !== undefined) a.retryAt = retryAt;
        const usage = usageOf(d.usage);
        if (usage) a.usage = usage;
        delete a.waitingFor;
        break;
      }
      case "node_succeeded": {
        const a = at(attempt);
        if (!a) break;
        a.status = "succeeded";
        a.finishedAt = e.at;
        const duration = num(d.durationMs);
        if (duration !== undefined) a.durationMs = duration;
        a.port = typeof d.port === "string" ? d.port : null;
        const usage = usageOf(d.usage);
        if (usage) a.usage = usage;
        delete a.waitingFor;
        break;
      }
      default:
        break;
    }
  }
  return [...byNumber.values()]
    .sort((a, b) => a.attempt - b.attempt)
    .map((a) => {
      if (a.durationMs === undefined && a.startedAt !== undefined && a.finishedAt !== undefined) {
        return { ...a, durationMs: a.finishedAt - a.startedAt };
      }
      return a;
    });
}

/** "1,234 tokens (1,000 in, 234 out, 900 cached)". */
export function formatTokens(u: Pick<UsageInfo, "promptTokens" | "completionTokens">): string {
  return (u.promptTokens + u.completionTokens).toLocaleString("en-US");
}

/**
 * Cost in USD for display: small amounts keep their significant digits; null = a model used
 * has no price in the table.
 * @example
 * formatCost(0.000123) // "$0.000123"
 */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return "unknown (a model used has no price)";
  if (usd === 0) return "$0";
  if (usd < 0.01) return `$${usd.toPrecision(3).replace(/0+$/, "")}`;
  return `$${usd.toFixed(usd < 1 ? 4 : 2)}`;
}
