import type { z } from "@hono/zod-openapi";
import type {
  Effective,
  Hold,
  Policy,
  Deleted as RunDeleted,
  TenantDeleted,
  TenantDeletion,
  TenantRetention,
  TenantUsage,
} from "../routes/lifecycle";
import type { Imported } from "../routes/run-archive";
import { CANCELLED_RUN_ID, RUN_ID, T0 } from "./ids";

type Out<T extends z.ZodType> = z.output<T>;

export const usage: Out<typeof TenantUsage> = {
  runs: 1284,
  runsByStatus: { completed: 1190, failed: 61, cancelled: 30, waiting: 3 },
  heldRuns: 2,
  events: 48_211,
  executions: 9_877,
  blobs: 312,
  blobBytes: 48_318_204,
};

export const policy: z.input<typeof Policy> = { days: 30, failedDays: 90, keepLast: null };

export const tenantPolicy: Out<typeof Effective> = {
  days: 30,
  failedDays: 90,
  keepLast: null,
  source: "tenant",
  updatedAt: T0,
};

export const workflowPolicy: Out<typeof Effective> = {
  days: 7,
  failedDays: null,
  keepLast: 100,
  source: "workflow",
  updatedAt: T0,
};

export const workflowPolicyBody: z.input<typeof Policy> = { days: 7, keepLast: 100 };

export const retention: Out<typeof TenantRetention> = {
  policy: tenantPolicy,
  lastSweep: {
    id: 5120,
    startedAt: T0 - 40_000,
    finishedAt: T0 - 39_120,
    runsDeleted: 14,
    rowsDeleted: 1_903,
    blobsDeleted: 9,
    bytesFreed: 1_204_331,
    more: false,
    error: null,
  },
};

export const tenantDeletion: z.input<typeof TenantDeletion> = { confirm: "acme" };

export const tenantDeleted: Out<typeof TenantDeleted> = {
  tenantId: "acme",
  runs: 1284,
  workflows: 17,
};

export const hold: Out<typeof Hold> = { held: true };

export const runDeleted: Out<typeof RunDeleted> = {
  deleted: true,
  rows: 41,
  blobs: 3,
  bytes: 20_480,
};

export const imported: Out<typeof Imported> = {
  runs: [
    { sourceRunId: RUN_ID, runId: "run_0mx8ta1k7d2e9qf3hzn" },
    { sourceRunId: CANCELLED_RUN_ID, runId: "run_0mx8ta1k7fh1c8mq2wv" },
  ],
};
