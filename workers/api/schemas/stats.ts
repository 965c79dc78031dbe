import { z } from "@hono/zod-openapi";
import { STATS_BUCKET_NAMES } from "../../../core/metrics";
import { Timestamp } from "./time";

const Count = z.number().int();
const Ms = z.number().nullable().describe("Milliseconds; null without observations");
const Usd = z.number().describe("USD of priced model calls (an unpriced model's calls add none)");

export const StatsBucket = z.enum(STATS_BUCKET_NAMES).openapi("StatsBucket", {
  description: "A series' bucket size",
  example: "15m",
});

/** One bucket of the window's series: what chart code plots. */
export const StatsPoint = z
  .object({
    t: Timestamp.describe(
      "The bucket's start (ms; buckets are aligned to multiples of their size, UTC)",
    ),
    started: Count.describe("Runs created in the bucket"),
    completed: Count.describe("Runs that ended in the bucket, by how"),
    failed: Count,
    cancelled: Count,
    tokens: Count.describe("Model tokens of the runs that ended in the bucket"),
    costUsd: Usd,
    models: z
      .record(z.string(), z.object({ tokens: Count, costUsd: Usd }))
      .describe("Tokens and cost by model, of the runs that ended in the bucket"),
  })
  .openapi("StatsPoint");

const Durations = z.object({
  meanMs: Ms,
  p50Ms: Ms,
  p95Ms: Ms,
  p99Ms: Ms,
  maxMs: Ms,
});

export const NodeStat = z
  .object({
    workflowId: z.string(),
    workflowName: z.string().nullable(),
    nodeId: z.string(),
    kind: z.string(),
    attempts: Count,
    executions: Count.describe("A node's attempts in one run and loop iteration count once"),
    failures: Count.describe("Executions that failed for good (their last attempt failed)"),
    retries: Count.describe("Attempts that failed and were tried again"),
    meanMs: Ms,
    p95Ms: Ms,
    maxMs: Ms,
  })
  .openapi("NodeStat");

export const ModelStat = z
  .object({
    model: z.string(),
    promptTokens: Count,
    completionTokens: Count,
    cachedTokens: Count.describe(
      "Prompt tokens served from the provider's cache (part of promptTokens)",
    ),
    calls: Count,
    costUsd: Usd,
  })
  .openapi("ModelStat");

export const STATS_EXAMPLE = {
  workflowId: null,
  since: 1_796_300_000_000,
  until: 1_796_386_400_000,
  bucket: "1d",
  bucketMs: 86_400_000,
  sample: 50_000,
  capped: { durations: false, nodes: false, models: false, queue: false },
  totals: { started: 42, completed: 37, failed: 3, cancelled: 1, tokens: 51_200, costUsd: 0.0312 },
  series: [
    {
      t: 1_796_256_000_000,
      started: 12,
      completed: 10,
      failed: 1,
      cancelled: 0,
      tokens: 20_000,
      costUsd: 0.012,
      models: { "gpt-4o-mini": { tokens: 20_000, costUsd: 0.012 } },
    },
    {
      t: 1_796_342_400_000,
      started: 30,
      completed: 27,
      failed: 2,
      cancelled: 1,
      tokens: 31_200,
      costUsd: 0.0192,
      models: { "gpt-4o-mini": { tokens: 31_200, costUsd: 0.0192 } },
    },
  ],
  durations: {
    runs: 41,
    meanMs: 2_310,
    p50Ms: 840,
    p95Ms: 9_100,
    p99Ms: 14_800,
    maxMs: 15_020,
  },
  nodes: {
    attempts: 220,
    executions: 212,
    failures: 3,
    retries: 8,
    slowest: [
      {
        workflowId: "wf_0mx7v7cj",
        workflowName: "orders",
        nodeId: "summarize",
        kind: "agent",
        attempts: 40,
        executions: 40,
        failures: 0,
        retries: 0,
        meanMs: 1_900,
        p95Ms: 7_200,
        maxMs: 9_800,
      },
    ],
    failing: [
      {
        workflowId: "wf_0mx7v7cj",
        workflowName: "orders",
        nodeId: "charge",
        kind: "http",
        attempts: 48,
        executions: 40,
        failures: 3,
        retries: 8,
        meanMs: 310,
        p95Ms: 1_020,
        maxMs: 2_400,
      },
    ],
  },
  models: [
    {
      model: "gpt-4o-mini",
      promptTokens: 45_000,
      completionTokens: 6_200,
      cachedTokens: 12_000,
      calls: 80,
      costUsd: 0.0312,
    },
  ],
  workflows: [
    { workflowId: "wf_0mx7v7cj", name: "orders", runs: 41, tokens: 51_200, costUsd: 0.0312 },
  ],
  approvals: {
    pending: 2,
    approved: 5,
    rejected: 1,
    timeout: 0,
    decided: 6,
    meanMs: 380_000,
    p50Ms: 240_000,
    p95Ms: 1_200_000,
    p99Ms: 1_200_000,
    maxMs: 1_200_000,
  },
  queue: {
    queued: 3,
    started: 12,
    meanMs: 41_000,
    p50Ms: 2_000,
    p95Ms: 180_000,
    p99Ms: 180_000,
    maxMs: 180_000,
  },
} as const;

/** `GET /api/stats`: a tenant's figures over a window, shaped for charts and the CLI. */
export const Stats = z
  .object({
    workflowId: z.string().nullable().describe("The workflow the figures are of; null: all"),
    since: Timestamp,
    until: Timestamp.describe("The window is [since, until)"),
    bucket: StatsBucket,
    bucketMs: Count,
    sample: Count.describe(
      "The most rows a percentile, node or model figure reads (the newest runs' first)",
    ),
    capped: z
      .object({
        durations: z.boolean(),
        nodes: z.boolean(),
        models: z.boolean(),
        queue: z.boolean(),
      })
      .describe("Which figures read `sample` rows and so cover only the newest part of the window"),
    totals: z
      .object({
        started: Count,
        completed: Count,
        failed: Count,
        cancelled: Count,
        tokens: Count,
        costUsd: Usd,
      })
      .describe("Over the window: runs created, runs ended by how, their tokens and cost"),
    series: z.array(StatsPoint).describe("One point per bucket of the window, zeros included"),
    durations: Durations.extend({ runs: Count }).describe(
      "From creation to end of the runs that ended in the window (nearest-rank percentiles)",
    ),
    nodes: z
      .object({
        attempts: Count,
        executions: Count,
        failures: Count,
        retries: Count,
        slowest: z.array(NodeStat).describe("By p95 of attempt duration, slowest first"),
        failing: z.array(NodeStat).describe("By failures, most first"),
      })
      .describe("Node attempts of the runs that ended in the window"),
    models: z.array(ModelStat).describe("Model usage of the runs that ended in the window"),
    workflows: z
      .array(
        z.object({
          workflowId: z.string(),
          name: z.string().nullable(),
          runs: Count,
          tokens: Count,
          costUsd: Usd,
        }),
      )
      .describe("Workflows by the tokens their runs that ended in the window used, most first"),
    approvals: Durations.extend({
      pending: Count.describe("Waiting for a decision now"),
      approved: Count,
      rejected: Count,
      timeout: Count,
      decided: Count.describe("Approved or rejected: the durations are from request to decision"),
    }).describe("Approvals requested in the window"),
    queue: Durations.extend({
      queued: Count.describe("Runs waiting in a queue now (docs/FLOW-CONTROL.md)"),
      started: Count.describe(
        "Runs of workflows with a concurrency limit that began in the window: the durations are their waits in the queue, from creation to start",
      ),
    }).describe("Flow control: runs queued now, and how long the window's gated runs waited"),
  })
  .openapi("Stats", { example: STATS_EXAMPLE });
export type Stats = z.infer<typeof Stats>;
export type StatsPoint = z.infer<typeof StatsPoint>;
export type NodeStat = z.infer<typeof NodeStat>;
