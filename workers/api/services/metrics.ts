/**
 * `GET /api/metrics` (docs/OBSERVABILITY.md): the running totals of db/metrics.ts as Prometheus
 * metric families. Counters come from totals that only grow (an ended run is added once and
 * never taken away, retention or not), so they are monotonic across scrapes; a reset happens
 * only when their rows go (a tenant's or a workflow's deletion), which Prometheus's `rate` and
 * `increase` take as a counter reset.
 */
import {
  DECISION_BOUNDS,
  type Family,
  NODE_DURATION_BOUNDS,
  type Sample,
} from "../../../core/metrics";
import type { MetricTotals } from "../../../db/metrics";

/** Whose totals: a tenant's (by workflow) or the operator's over every tenant (by status). */
export type MetricsScope = "tenant" | "all";

const seconds = (ms: number) => ms / 1000;

/** Every family, in a stable order, each with its HELP and TYPE even when it has no sample. */
export function metricFamilies(t: MetricTotals, scope: MetricsScope): Family[] {
  const families: Family[] = [
    {
      type: "counter",
      name: "aob_runs_total",
      help:
        scope === "tenant"
          ? "Runs that ended, by workflow id and how they ended (completed, failed, cancelled)."
          : "Runs that ended over every tenant, by how they ended (completed, failed, cancelled).",
      samples: t.runs.map(
        (r): Sample => ({
          labels:
            scope === "tenant"
              ? { workflow: r.workflowId, status: r.status }
              : { status: r.status },
          value: r.runs,
        }),
      ),
    },
  ];
  if (scope === "tenant") {
    const named = new Map<string, string>();
    for (const r of t.runs) if (r.name !== null) named.set(r.workflowId, r.name);
    families.push({
      type: "gauge",
      name: "aob_workflow_info",
      help: "The name of each workflow in aob_runs_total (always 1; join on workflow).",
      samples: [...named].map(([workflow, name]) => ({ labels: { workflow, name }, value: 1 })),
    });
  }
  families.push(
    {
      type: "counter",
      name: "aob_node_attempts_total",
      help: "Node attempts of ended runs by kind and outcome: succeeded, failed (for good) or retried (failed and tried again).",
      samples: t.nodes.flatMap((n) =>
        (["succeeded", "failed", "retried"] as const).map((outcome) => ({
          labels: { kind: n.kind, outcome },
          value: n[outcome],
        })),
      ),
    },
    {
      type: "histogram",
      name: "aob_node_duration_seconds",
      help: "Duration of node attempts of ended runs, from start to result, by kind.",
      samples: t.nodes.map((n) => ({
        labels: { kind: n.kind },
        bounds: NODE_DURATION_BOUNDS,
        buckets: n.buckets,
        count: n.count,
        sum: seconds(n.durationMs),
      })),
    },
    {
      type: "counter",
      name: "aob_tokens_total",
      help: "Model tokens of ended runs by model and type (prompt, completion).",
      samples: t.models.flatMap((m) => [
        { labels: { model: m.model, type: "prompt" }, value: m.promptTokens },
        { labels: { model: m.model, type: "completion" }, value: m.completionTokens },
      ]),
    },
    {
      type: "counter",
      name: "aob_cached_tokens_total",
      help: "Prompt tokens the provider served from its cache, by model (part of the prompt tokens).",
      samples: t.models.map((m) => ({ labels: { model: m.model }, value: m.cachedTokens })),
    },
    {
      type: "counter",
      name: "aob_model_calls_total",
      help: "Model calls of ended runs by model.",
      samples: t.models.map((m) => ({ labels: { model: m.model }, value: m.calls })),
    },
    {
      type: "counter",
      name: "aob_cost_usd_total",
      help: "Cost in USD of the model calls of ended runs by model (calls of unpriced models add nothing).",
      samples: t.models.map((m) => ({ labels: { model: m.model }, value: m.costUsd })),
    },
    {
      type: "gauge",
      name: "aob_approvals_pending",
      help: "Approvals waiting for a decision now.",
      samples: [{ labels: {}, value: t.pendingApprovals }],
    },
    {
      type: "histogram",
      name: "aob_approval_decision_seconds",
      help: "Time from an approval's request to its decision, by decision (approved, rejected, timeout).",
      samples: t.decisions.map((d) => ({
        labels: { decision: d.decision },
        bounds: DECISION_BOUNDS,
        buckets: d.buckets,
        count: d.count,
        sum: seconds(d.durationMs),
      })),
    },
  );
  return families;
}
