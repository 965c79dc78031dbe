import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import * as apiKeys from "../../db/api-keys";
import * as approvals from "../../db/approvals";
import * as archives from "../../db/archives";
import * as auditLog from "../../db/audit";
import * as blobs from "../../db/blobs";
import * as decisionLinks from "../../db/decision-links";
import * as deliveries from "../../db/deliveries";
import * as eventWaits from "../../db/event-waits";
import * as lifecycle from "../../db/lifecycle";
import * as mcpServers from "../../db/mcp-servers";
import * as metrics from "../../db/metrics";
import * as channels from "../../db/notification-channels";
import * as projection from "../../db/projection";
import * as retention from "../../db/retention";
import * as runs from "../../db/runs";
import * as secrets from "../../db/secrets";
import * as semanticCache from "../../db/semantic-cache";
import * as sessions from "../../db/sessions";
import * as stats from "../../db/stats";
import * as telemetry from "../../db/telemetry";
import * as tenants from "../../db/tenants";
import * as triggers from "../../db/triggers";
import * as usage from "../../db/usage";
import * as users from "../../db/users";
import * as workflows from "../../db/workflows";

/*
 * Every query db/ sends, planned by SQLite (`EXPLAIN QUERY PLAN`): none may read the whole of a
 * table that grows with use. The queries are recorded by calling every function db/ exports
 * (the test fails on one it does not call), each on every branch of its filters.
 */

/** Tables that grow with use: a full scan of one of them is refused. */
const GROWING = new Set([
  "runs",
  "node_executions",
  "approvals",
  "run_patches",
  "trigger_deliveries",
  "blobs",
  "blob_deletions",
  "semantic_cache",
  "workflows",
  "workflow_versions",
  "workflow_version_pieces",
  "sessions",
  "key_sockets",
  "api_keys",
  "secrets",
  "retention_policies",
  "triggers",
  "event_waits",
  "users",
  "audit_log",
  "notification_channels",
  "decision_links",
  "telemetry_otlp",
  "metric_runs",
  "metric_nodes",
  "metric_models",
  "metric_decisions",
  "mcp_servers",
]);

interface Sent {
  sql: string;
  binds: unknown[];
}

/** `env.DB` that records each statement it prepares, with its bindings. */
function recording(sent: Sent[]): D1Database {
  const db = env.DB;
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (stmt: D1PreparedStatement, record: Sent): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => {
        const bound = { sql: record.sql, binds: values };
        sent.push(bound);
        return wrap(stmt.bind(...values), bound);
      },
      first: (column?: string) => (column === undefined ? stmt.first() : stmt.first(column)),
      run: () => stmt.run(),
      all: () => stmt.all(),
      raw: (options?: { columnNames?: boolean }) =>
        options?.columnNames ? stmt.raw({ columnNames: true }) : stmt.raw(),
    };
    real.set(wrapped, stmt);
    return wrapped as unknown as D1PreparedStatement;
  };
  return {
    prepare: (sql: string) => {
      const record = { sql, binds: [] };
      sent.push(record);
      return wrap(db.prepare(sql), record);
    },
    batch: (statements: D1PreparedStatement[]) => db.batch(statements.map((s) => real.get(s) ?? s)),
    exec: (sql: string) => db.exec(sql),
  } as unknown as D1Database;
}

const now = 1_800_000_000_000;
const tenantId = "t_a";

/** Calls every function db/ exports, each branch of its filters, on a recording D1. */
async function everyQuery(db: D1Database): Promise<Set<string>> {
  const called = new Set<string>();
  const call = async <F extends (...args: never[]) => unknown>(
    module: string,
    name: string,
    fn: F,
    ...args: Parameters<F>
  ) => {
    called.add(`${module}.${name}`);
    await fn(...args);
  };
  const wf = "wf_plans";
  const run = "run_plans";
  await call("workflows", "createWorkflow", workflows.createWorkflow, db, {
    id: wf,
    tenantId,
    name: "plans",
    description: null,
    definition: "{}",
    toolInputSchema: null,
    now,
  });
  await call("workflows", "addVersion", workflows.addVersion, db, {
    workflowId: wf,
    previous: 1,
    name: "plans",
    description: null,
    definition: "{}",
    toolInputSchema: '{"type":"object"}',
    now,
  });
  await call("workflows", "findWorkflow", workflows.findWorkflow, db, tenantId, wf);
  await call("workflows", "findVersion", workflows.findVersion, db, wf, 1);
  await call("workflows", "findLatestDefinition", workflows.findLatestDefinition, db, tenantId, wf);
  for (const query of [
    { tenantId, limit: 10 },
    { tenantId, limit: 10, name: "plans" },
    { tenantId, limit: 10, after: [now, wf] as const },
  ]) {
    await call("workflows", "listWorkflows", workflows.listWorkflows, db, query);
  }
  await call("workflows", "listToolWorkflows", workflows.listToolWorkflows, db, tenantId, 100);
  await call("workflows", "listVersions", workflows.listVersions, db, { workflowId: wf, limit: 5 });
  await call("workflows", "listVersions", workflows.listVersions, db, {
    workflowId: wf,
    limit: 5,
    before: 2,
  });

  await call("runs", "insertStartedRun", runs.insertStartedRun, db, {
    id: run,
    tenantId,
    workflowId: wf,
    version: 1,
    createdAt: now,
  });
  await call("runs", "runInTenant", runs.runInTenant, db, tenantId, run);
  const waiting = { tenantId, name: "paid", runId: run, nodeId: "w", attempt: 1 };
  await call(
    "eventWaits",
    "registerWait",
    eventWaits.registerWait,
    db,
    {
      ...waiting,
      key: "o-1",
      expiresAt: null,
    },
    now,
  );
  for (const key of ["o-1", null]) {
    await call(
      "eventWaits",
      "waitsFor",
      eventWaits.waitsFor,
      db,
      { tenantId, name: "paid", key },
      now,
      10,
    );
  }
  await call("eventWaits", "forgetWaits", eventWaits.forgetWaits, db, run);
  await call("runs", "runHeld", runs.runHeld, db, tenantId, run);
  for (const query of [
    { tenantId, limit: 10 },
    { tenantId, limit: 10, status: "failed" as const },
    { tenantId, limit: 10, workflowId: wf },
    { tenantId, limit: 10, workflowId: wf, status: "completed" as const },
    { tenantId, limit: 10, trigger: "cron" as const },
    { tenantId, limit: 10, from: now - 1000, to: now },
    { tenantId, limit: 10, after: [now, run] as const },
    { tenantId, limit: 10, status: "failed" as const, after: [now, run] as const },
  ]) {
    await call("runs", "listRuns", runs.listRuns, db, query);
  }
  await call(
    "metrics",
    "runRowEndIncrement",
    metrics.runRowEndIncrement,
    db,
    run,
    "failed",
    "queued",
  );
  await call("runs", "markStartFailed", runs.markStartFailed, db, run, {
    error: "{}",
    finishedAt: now,
  });
  // A run queued behind a concurrency limit (docs/FLOW-CONTROL.md), its start and its end.
  const queued = `${run}_queued`;
  const gate = `gate:${tenantId}:${wf}:`;
  await call("runs", "insertQueuedRun", runs.insertQueuedRun, db, {
    id: queued,
    tenantId,
    workflowId: wf,
    version: 1,
    createdAt: now,
    gate,
  });
  await call("runs", "findRun", runs.findRun, db, tenantId, queued);
  await call("runs", "gateOfQueued", runs.gateOfQueued, db, queued);
  await call("runs", "startQueuedRun", runs.startQueuedRun, db, queued);
  await call("runs", "markQueuedRunEnded", runs.markQueuedRunEnded, db, queued, {
    status: "cancelled",
    error: "{}",
    finishedAt: now,
  });
  await call("runs", "deleteQueuedRun", runs.deleteQueuedRun, db, queued);

  const execution = {
    nodeId: "n",
    iteration: 0,
    attempt: 1,
    type: "transform",
    status: "succeeded",
    startedAt: now,
    finishedAt: now,
    outputHash: "ab".repeat(32),
    error: null,
    usage: null,
  };
  const totals = {
    nodes: [
      {
        kind: "transform",
        succeeded: 1,
        failed: 0,
        retried: 0,
        timed: 1,
        durationMs: 3,
        buckets: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
      },
    ],
    models: [
      {
        model: "m",
        promptTokens: 1,
        completionTokens: 1,
        cachedTokens: 0,
        calls: 1,
        costUsd: 0.1,
      },
    ],
  };
  await call(
    "metrics",
    "runEndIncrements",
    metrics.runEndIncrements,
    db,
    {
      id: run,
      tenantId,
      workflowId: wf,
      status: "completed",
    },
    totals,
  );
  await call("projection", "projectRun", projection.projectRun, db, {
    run: {
      id: run,
      tenantId,
      workflowId: wf,
      version: 1,
      status: "completed",
      error: null,
      outputHash: null,
      createdAt: now,
      finishedAt: now,
      tokens: 0,
      costUsd: null,
      events: 3,
    },
    executions: [execution],
    totals,
  });
  const owner = { runId: run, tenantId, workflowId: wf };
  await call("projection", "projectApprovals", projection.projectApprovals, db, owner, [
    {
      nodeId: "n",
      attempt: 1,
      iteration: 0,
      parentRunId: null,
      parentNodeId: null,
      parentItem: null,
      status: "pending",
      message: "m",
      form: null,
      required: 1,
      approvers: null,
      rejectIf: null,
      votes: "[]",
      createdAt: now,
      expiresAt: null,
      decidedAt: null,
    },
  ]);
  await call("metrics", "decisionIncrement", metrics.decisionIncrement, db, {
    runId: run,
    nodeId: "n",
    attempt: 2,
    tenantId,
    decision: "approved",
    waitedMs: 5_000,
    bucket: 0,
  });
  await call("projection", "projectApprovals", projection.projectApprovals, db, owner, [
    {
      nodeId: "n",
      attempt: 2,
      iteration: 1,
      parentRunId: null,
      parentNodeId: null,
      parentItem: null,
      status: "approved",
      message: "m",
      form: null,
      required: 1,
      approvers: null,
      rejectIf: null,
      votes: "[]",
      createdAt: now,
      expiresAt: null,
      decidedAt: now + 5_000,
    },
  ]);
  await call("projection", "projectPatches", projection.projectPatches, db, owner, [
    {
      id: 1,
      source: "{}",
      ops: "[]",
      reason: null,
      status: "applied",
      problems: null,
      proposedAt: now,
      decidedAt: now,
    },
  ]);
  await call("approvals", "listInbox", approvals.listInbox, db, {
    tenantId,
    status: "pending",
    limit: 10,
  });
  await call("approvals", "listInbox", approvals.listInbox, db, {
    tenantId,
    status: "pending",
    limit: 10,
    after: [now, run, "n", 1],
  });
  await call("approvals", "listInbox", approvals.listInbox, db, {
    tenantId,
    status: "pending",
    limit: 10,
    mine: { userId: "usr_plans", email: "p@example.com", roles: ["approver"] },
  });

  const hold = {
    tenantId,
    hash: "cd".repeat(32),
    key: `cas/sha256/${"cd".repeat(32)}`,
    bytes: 1,
    contentType: "application/json",
    runId: run,
    createdAt: now,
  };
  await call("blobs", "holdBlobs", blobs.holdBlobs, db, [hold]);
  await call("blobs", "waitOutDeletions", blobs.waitOutDeletions, db, [hold.key]);
  await call("archives", "runForExport", archives.runForExport, db, tenantId, run);
  await call("archives", "runHolds", archives.runHolds, db, run, "", 10);
  await call(
    "archives",
    "insertImportedRun",
    archives.insertImportedRun,
    db,
    {
      id: "run_plans_archived",
      tenantId,
      workflowId: wf,
      version: 1,
      status: "completed",
      error: null,
      outputHash: null,
      createdAt: now,
      finishedAt: now,
      tokens: 0,
      costUsd: null,
      events: 1,
      trigger: "api",
      held: false,
      archivedFrom: run,
    },
    now + 1000,
  );
  await call(
    "archives",
    "sealImportedRuns",
    archives.sealImportedRuns,
    db,
    ["run_plans_archived"],
    now,
  );
  await call("blobs", "copyHolds", blobs.copyHolds, db, {
    tenantId,
    fromRun: run,
    toRun: "run_copy",
    at: now,
  });
  await call("blobs", "copyHolds", blobs.copyHolds, db, {
    tenantId,
    fromRun: run,
    toRun: "run_copy",
    streamsOnly: true,
    at: now,
  });
  await call("blobs", "tenantBlob", blobs.tenantBlob, db, tenantId, hold.hash);

  const key = { workflowId: wf, key: "hook:k" };
  await call("deliveries", "insertDelivery", deliveries.insertDelivery, db, {
    ...key,
    runId: run,
    now,
  });
  await call("deliveries", "findDelivery", deliveries.findDelivery, db, key);
  const claim = { ...key, claimedAt: now, now, runId: run };
  await call("deliveries", "takeOverDelivery", deliveries.takeOverDelivery, db, claim);
  await call("deliveries", "renewDelivery", deliveries.renewDelivery, db, claim);
  await call("deliveries", "recordDeliveryRefusal", deliveries.recordDeliveryRefusal, db, {
    ...key,
    error: "{}",
  });
  await call("deliveries", "recordDeliveryRun", deliveries.recordDeliveryRun, db, {
    ...key,
    runId: run,
  });
  await call("deliveries", "releaseDelivery", deliveries.releaseDelivery, db, {
    ...key,
    runId: run,
  });
  await call("deliveries", "pruneDeliveries", deliveries.pruneDeliveries, db, now, 10);

  await call("triggers", "putTriggers", triggers.putTriggers, db, {
    workflowId: wf,
    tenantId,
    webhookTokenHash: "ef".repeat(32),
    cron: "* * * * *",
    signingSecret: null,
    now,
  });
  await call("triggers", "findTriggers", triggers.findTriggers, db, wf);
  await call("triggers", "findWebhook", triggers.findWebhook, db, wf, "ef".repeat(32));
  await call("triggers", "schedulesAfter", triggers.schedulesAfter, db, { after: "", limit: 10 });

  await call("secrets", "putSecret", secrets.putSecret, db, {
    tenantId,
    name: "PLAN",
    ciphertext: "x",
    allowedHosts: null,
    keepHosts: false,
    now,
  });
  await call("secrets", "putSecret", secrets.putSecret, db, {
    tenantId,
    name: "PLAN",
    ciphertext: "x",
    allowedHosts: null,
    keepHosts: true,
    now,
  });
  await call("secrets", "bindSecret", secrets.bindSecret, db, {
    tenantId,
    name: "PLAN",
    allowedHosts: null,
    now,
  });
  await call("secrets", "listSecrets", secrets.listSecrets, db, { tenantId, limit: 10 });
  await call("secrets", "listSecrets", secrets.listSecrets, db, {
    tenantId,
    limit: 10,
    after: "A",
  });
  await call("secrets", "findSealedSecrets", secrets.findSealedSecrets, db, tenantId, ["PLAN"]);
  await call("secrets", "deleteSecret", secrets.deleteSecret, db, tenantId, "PLAN");

  await call("semanticCache", "putCacheEntry", semanticCache.putCacheEntry, db, {
    tenantId,
    key: "k",
    kind: "transform",
    outputHash: hold.hash,
    runId: run,
    nodeId: "n",
    createdAt: now,
    expiresAt: now + 1,
  });
  await call("semanticCache", "findCacheEntry", semanticCache.findCacheEntry, db, {
    tenantId,
    key: "k",
    now,
  });

  const user = {
    id: "usr_plans",
    tenantId,
    name: "plans",
    email: "p@example.com",
    roles: ["admin" as const],
    createdAt: now,
  };
  await call("users", "insertUser", users.insertUser, db, user);
  await call("users", "findUser", users.findUser, db, tenantId, user.id);
  await call("users", "findUserByEmail", users.findUserByEmail, db, tenantId, "p@example.com");
  await call("users", "listUsers", users.listUsers, db, { tenantId, limit: 10 });
  await call("users", "listUsers", users.listUsers, db, {
    tenantId,
    limit: 10,
    after: [now, user.id],
  });
  await call("users", "updateUser", users.updateUser, db, tenantId, user.id, user);
  await call("users", "countAdmins", users.countAdmins, db, tenantId);
  await call("users", "findAssignees", users.findAssignees, db, tenantId, {
    users: [user.id, "p@example.com"],
    roles: ["approver"],
  });
  await call("users", "findAssignees", users.findAssignees, db, tenantId, null);
  const channel = {
    name: "ops",
    type: "webhook" as const,
    url: "sealed",
    host: "example.com",
    events: ["approval" as const],
    origin: "https://aob.test",
    updatedAt: now,
  };
  await call("channels", "putChannel", channels.putChannel, db, tenantId, channel);
  await call("channels", "listChannels", channels.listChannels, db, tenantId);
  await call("channels", "findChannel", channels.findChannel, db, tenantId, "ops");
  await call("channels", "deleteChannel", channels.deleteChannel, db, tenantId, "ops");
  const otlp = {
    endpoint: "sealed",
    host: "otel.example.com",
    headers: "sealed",
    headerNames: [],
    enabled: true,
    updatedAt: now,
  };
  await call("telemetry", "putOtlp", telemetry.putOtlp, db, tenantId, otlp);
  await call("telemetry", "findOtlp", telemetry.findOtlp, db, tenantId);
  await call("telemetry", "deleteOtlp", telemetry.deleteOtlp, db, tenantId);
  const server = {
    name: "github",
    url: "https://mcp.example.com/mcp",
    headers: { authorization: "Bearer {{ secrets.GH }}" },
    allowedTools: ["search_issues"],
    effects: [],
    createdAt: now,
    updatedAt: now,
  };
  await call("mcpServers", "putMcpServer", mcpServers.putMcpServer, db, tenantId, server);
  await call("mcpServers", "listMcpServers", mcpServers.listMcpServers, db, tenantId);
  await call("mcpServers", "findMcpServers", mcpServers.findMcpServers, db, tenantId, ["github"]);
  await call("mcpServers", "deleteMcpServer", mcpServers.deleteMcpServer, db, tenantId, "github");
  const link = { id: "link_plans", tenantId, runId: run, userId: user.id, expiresAt: now };
  await call("decisionLinks", "insertDecisionLinks", decisionLinks.insertDecisionLinks, db, [link]);
  await call("decisionLinks", "linkUnused", decisionLinks.linkUnused, db, link.id);
  await call("decisionLinks", "claimLink", decisionLinks.claimLink, db, link.id, now);
  await call("decisionLinks", "releaseLink", decisionLinks.releaseLink, db, link.id);
  await call(
    "decisionLinks",
    "deleteExpiredLinks",
    decisionLinks.deleteExpiredLinks,
    db,
    now + 1,
    10,
  );
  const entry = {
    at: now,
    userId: user.id,
    userName: user.name,
    keyId: null,
    action: "user.create",
    targetType: "user",
    targetId: user.id,
    details: {},
    ip: null,
    userAgent: null,
  };
  await call("auditLog", "appendAudit", auditLog.appendAudit, db, tenantId, entry);
  await call("auditLog", "listAudit", auditLog.listAudit, db, { tenantId, limit: 10 });
  await call("auditLog", "listAudit", auditLog.listAudit, db, {
    tenantId,
    action: "user.create",
    since: 0,
    until: now + 1,
    limit: 10,
    before: [now + 1, 1],
  });
  await call("auditLog", "listAudit", auditLog.listAudit, db, {
    tenantId,
    userId: user.id,
    limit: 10,
  });
  await call("apiKeys", "insertKey", apiKeys.insertKey, db, {
    id: "key_plans",
    userId: user.id,
    tenantId,
    name: "plans",
    keyHash: "12".repeat(32),
    scopes: "[]",
    createdAt: now,
  });
  await call("apiKeys", "findLiveKey", apiKeys.findLiveKey, db, "12".repeat(32));
  await call("apiKeys", "listKeys", apiKeys.listKeys, db, { tenantId, limit: 10 });
  await call("apiKeys", "listKeys", apiKeys.listKeys, db, { tenantId, userId: user.id, limit: 10 });
  await call("apiKeys", "listKeys", apiKeys.listKeys, db, {
    tenantId,
    limit: 10,
    after: [now, "key_plans"],
  });
  const session = { tokenHash: "34".repeat(32), keyId: "key_plans", createdAt: now };
  await call("sessions", "insertSession", sessions.insertSession, db, {
    ...session,
    expiresAt: now + 1,
  });
  await call("sessions", "findSession", sessions.findSession, db, session.tokenHash, now);
  await call("sessions", "deleteSession", sessions.deleteSession, db, session.tokenHash);
  await call("sessions", "openKeySocket", sessions.openKeySocket, db, "key_plans", run);
  await call("sessions", "closeKeySocket", sessions.closeKeySocket, db, "key_plans", run);
  await call("sessions", "forgetKeySockets", sessions.forgetKeySockets, db, "key_plans", [run]);
  await call("sessions", "revokeKey", sessions.revokeKey, db, {
    tenantId,
    keyId: "key_plans",
    now,
  });
  await call("users", "deleteUser", users.deleteUser, db, tenantId, user.id, now);
  await call("tenants", "countTenants", tenants.countTenants, db);
  await call("usage", "tenantUsage", usage.tenantUsage, db, tenantId);
  for (const window of [
    { tenantId, since: now - 86_400_000, until: now + 1, bucketMs: 900_000 },
    { tenantId, workflowId: wf, since: now - 86_400_000, until: now + 1, bucketMs: 900_000 },
  ]) {
    await call("stats", "tenantStats", stats.tenantStats, db, window, { sample: 1000, top: 10 });
  }
  await call("metrics", "metricTotals", metrics.metricTotals, db, tenantId);
  await call("metrics", "operatorTotals", metrics.operatorTotals, db);

  await call("retention", "putPolicy", retention.putPolicy, db, {
    tenantId,
    workflowId: null,
    days: 1,
    failedDays: 2,
    keepLast: 3,
    updatedAt: now,
  });
  await call("retention", "putPolicy", retention.putPolicy, db, {
    tenantId,
    workflowId: wf,
    days: 1,
    failedDays: null,
    keepLast: 1,
    updatedAt: now,
  });
  await call("retention", "findPolicy", retention.findPolicy, db, tenantId, null);
  await call("retention", "expiredRuns", retention.expiredRuns, db, now + 10 * 86_400_000, 50);
  await call("retention", "deletePolicy", retention.deletePolicy, db, tenantId, wf);
  const sweepId = await retention.startSweep(db, now);
  called.add("retention.startSweep");
  await call("retention", "recordSweep", retention.recordSweep, db, {
    id: sweepId,
    finishedAt: now,
    runsDeleted: 0,
    rowsDeleted: 0,
    blobsDeleted: 0,
    bytesFreed: 0,
    more: false,
    error: null,
  });
  await call("retention", "latestSweep", retention.latestSweep, db);

  await call("lifecycle", "setHeld", lifecycle.setHeld, db, tenantId, run, true);
  await call("lifecycle", "runForDeletion", lifecycle.runForDeletion, db, run);
  await call("lifecycle", "markDeleting", lifecycle.markDeleting, db, run, now);
  await call("lifecycle", "unfinishedDeletions", lifecycle.unfinishedDeletions, db, now, 10);
  await call(
    "lifecycle",
    "releaseRunRows",
    lifecycle.releaseRunRows,
    db,
    { id: run, tenantId },
    now,
  );
  await call("lifecycle", "releasedKeys", lifecycle.releasedKeys, db, run, 10);
  await call("lifecycle", "unreferencedKeys", lifecycle.unreferencedKeys, db, run, [hold.key], now);
  await call("lifecycle", "unnamedKeys", lifecycle.unnamedKeys, db, [hold.key]);
  await call("lifecycle", "forgetReleased", lifecycle.forgetReleased, db, run, [hold.key]);
  await call("lifecycle", "unmarkDeleting", lifecycle.unmarkDeleting, db, run);
  await call("lifecycle", "deleteRunRow", lifecycle.deleteRunRow, db, run);
  await call("lifecycle", "activeRunsOf", lifecycle.activeRunsOf, db, { id: wf, tenantId }, 5);
  await call("lifecycle", "countRunsOf", lifecycle.countRunsOf, db, { id: wf, tenantId });
  await call("lifecycle", "runsOf", lifecycle.runsOf, db, { id: wf, tenantId }, 5);
  await call("lifecycle", "markWorkflowPurge", lifecycle.markWorkflowPurge, db, tenantId, wf, now);
  await call("lifecycle", "purgingWorkflows", lifecycle.purgingWorkflows, db, 5);
  await call("lifecycle", "activeRunsOfTenant", lifecycle.activeRunsOfTenant, db, tenantId, 5);
  await call("lifecycle", "runsOfTenant", lifecycle.runsOfTenant, db, tenantId, 5);
  await call("lifecycle", "workflowsOfTenant", lifecycle.workflowsOfTenant, db, tenantId, 5);
  await call("lifecycle", "purgingTenants", lifecycle.purgingTenants, db, 5);
  // A tenant of its own: marking and deleting it must not touch the suite's tenants.
  await env.DB.prepare(
    "INSERT INTO tenants (id, name, created_at) VALUES ('t_plans', 'plans', 0)",
  ).run();
  await call("lifecycle", "markTenantPurge", lifecycle.markTenantPurge, db, "t_plans", now);
  await call("lifecycle", "deleteTenantRows", lifecycle.deleteTenantRows, db, "t_plans");
  await call("workflows", "deleteWorkflow", workflows.deleteWorkflow, db, wf, now);
  await call("lifecycle", "deleteWorkflowRows", lifecycle.deleteWorkflowRows, db, {
    id: wf,
    tenantId,
  });
  return called;
}

/**
 * The growing tables a statement names by an alias (`FROM runs r JOIN node_executions x`): a
 * plan names a table by its alias (`SCAN r`), so a scan of one is found by it.
 */
function aliases(sql: string): Map<string, string> {
  const named = new Map<string, string>();
  for (const [, table, alias] of sql.matchAll(/\b(?:FROM|JOIN)\s+(\w+)\s+(?:AS\s+)?(\w+)/gi)) {
    if (GROWING.has(table!)) named.set(alias!, table!);
  }
  return named;
}

/**
 * Plans that may read a growing table whole, by a fragment of the statement, each with why it
 * is fine (`sweeps` is capped at 1,000 rows and `tenants` grows only with sign-ups, so neither
 * is in GROWING).
 */
const ALLOWED: { sql: RegExp; why: string }[] = [
  {
    sql: /FROM metric_(runs|nodes|models|decisions)\s+GROUP BY/,
    why: "the operator's metrics (`?scope=all`) sum every tenant's series: one row per series, never per run (db/metrics.ts)",
  },
];

describe("query plans", () => {
  it("read no growing table whole, for every function db/ exports", async () => {
    const sent: Sent[] = [];
    const called = await everyQuery(recording(sent));

    const modules = {
      apiKeys,
      approvals,
      archives,
      auditLog,
      blobs,
      channels,
      decisionLinks,
      deliveries,
      eventWaits,
      lifecycle,
      metrics,
      mcpServers,
      projection,
      retention,
      runs,
      secrets,
      semanticCache,
      sessions,
      telemetry,
      stats,
      tenants,
      triggers,
      usage,
      users,
      workflows,
    };
    const exported = Object.entries(modules).flatMap(([module, exports]) =>
      Object.entries(exports)
        .filter(([, value]) => typeof value === "function")
        .map(([name]) => `${module}.${name}`),
    );
    expect(exported.filter((name) => !called.has(name))).toEqual([]);

    const scans: string[] = [];
    // A statement is recorded when prepared, then again with its bindings: plan the bound one.
    const planned = new Map<string, unknown[]>();
    for (const { sql, binds } of sent) {
      if (binds.length >= (planned.get(sql)?.length ?? 0)) planned.set(sql, binds);
    }
    for (const [sql, binds] of planned) {
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...binds)
        .all<{ detail: string }>();
      const named = aliases(sql);
      for (const { detail } of plan.results) {
        const scan = /^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?/.exec(detail);
        if (!scan || !GROWING.has(named.get(scan[1]!) ?? scan[1]!)) continue;
        if (ALLOWED.some((a) => a.sql.test(sql))) continue;
        scans.push(`${detail}\n    in: ${sql.replace(/\s+/g, " ").slice(0, 240)}`);
      }
    }
    expect(planned.size).toBeGreaterThan(80);
    expect(scans, scans.join("\n")).toEqual([]);
  });
});
