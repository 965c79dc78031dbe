/**
 * D1 schema: the queryable projection of workflows and runs (lists, history, auth).
 * Each RunObject's own SQLite storage is the source of truth for a run's state;
 * D1 is written at run start, at run end and in batches, never on every transition.
 * Migrations in migrations/ are generated from this file by `npm run db:generate`.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const tenants = sqliteTable(
  "tenants",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull(),
    /** Set when all its data was asked deleted (docs/LIFECYCLE.md): the sweep deletes it. */
    purgeAt: integer("purge_at"),
  },
  (t) => [index("tenants_purge").on(t.purgeAt)],
);

/**
 * The people of a tenant (docs/PEOPLE.md): each API key belongs to one and acts as them, with
 * at most the scopes their roles grant. A deleted user keeps its row (votes and audit entries
 * name it); its keys are revoked.
 */
export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    /** Lower-cased; unique within the tenant among users not deleted. */
    email: text("email"),
    /** JSON array of roles: admin, editor, operator, approver, viewer. */
    roles: text("roles").notNull(),
    createdAt: integer("created_at").notNull(),
    deletedAt: integer("deleted_at"),
  },
  (t) => [
    index("users_tenant").on(t.tenantId, t.createdAt),
    index("users_email").on(t.tenantId, t.email),
  ],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    /** The user the key acts as (keys made before users were each given one: migration 0021). */
    userId: text("user_id").references(() => users.id),
    name: text("name").notNull(),
    /** SHA-256 hex of the key; the key itself is never stored. */
    keyHash: text("key_hash").notNull().unique(),
    /** JSON array of scopes: read, run, edit, approve, admin. */
    scopes: text("scopes").notNull(),
    createdAt: integer("created_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("api_keys_tenant").on(t.tenantId), index("api_keys_user").on(t.userId)],
);

export const workflows = sqliteTable(
  "workflows",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    description: text("description"),
    latestVersion: integer("latest_version").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    deletedAt: integer("deleted_at"),
    /**
     * Set when it was deleted with its runs (docs/LIFECYCLE.md): the sweep deletes its runs,
     * then its versions, triggers, deliveries and policy, then this row.
     */
    purgeAt: integer("purge_at"),
    /**
     * The JSON Schema of its arguments as an MCP tool when its latest version has
     * `exposeAsTool` (docs/MCP.md), written with each version; null: not a tool.
     */
    toolInputSchema: text("tool_input_schema"),
  },
  (t) => [
    index("workflows_tenant").on(t.tenantId, t.updatedAt),
    index("workflows_tenant_name").on(t.tenantId, t.name),
    index("workflows_purge").on(t.purgeAt),
    // Only the few workflows that are tools: tools/list reads them on every call.
    index("workflows_tools")
      .on(t.tenantId, t.createdAt, t.id)
      .where(sql`${t.toolInputSchema} IS NOT NULL AND ${t.deletedAt} IS NULL`),
  ],
);

export const workflowVersions = sqliteTable(
  "workflow_versions",
  {
    workflowId: text("workflow_id")
      .notNull()
      .references(() => workflows.id),
    version: integer("version").notNull(),
    /**
     * The definition as submitted (JSON), or "" when it is stored in `pieces` rows of
     * `workflow_version_pieces` (one D1 value holds at most 2 MB; db/workflows.ts).
     */
    definition: text("definition").notNull(),
    pieces: integer("pieces").notNull().default(0),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.version] })],
);

/** A definition too large for one D1 value, in order (`i` from 0); read only by db/workflows.ts. */
export const workflowVersionPieces = sqliteTable(
  "workflow_version_pieces",
  {
    workflowId: text("workflow_id").notNull(),
    version: integer("version").notNull(),
    i: integer("i").notNull(),
    text: text("text").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.version, t.i] })],
);

export const runs = sqliteTable(
  "runs",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    workflowId: text("workflow_id").notNull(),
    version: integer("version").notNull(),
    status: text("status", {
      enum: ["queued", "running", "waiting", "completed", "failed", "cancelled"],
    }).notNull(),
    error: text("error"),
    outputHash: text("output_hash"),
    createdAt: integer("created_at").notNull(),
    finishedAt: integer("finished_at"),
    /** Model tokens (prompt + completion) and cost in USD the run's agents used so far. */
    tokens: integer("tokens").notNull().default(0),
    costUsd: real("cost_usd"),
    /** Events in the run's log, as of its last projection (`GET /api/usage`). */
    events: integer("events").notNull().default(0),
    /** How it was started: api, webhook, cron, replay, or by a parent run (subworkflow). */
    trigger: text("trigger", { enum: ["api", "webhook", "cron", "replay", "subworkflow"] })
      .notNull()
      .default("api"),
    /** 1 = pinned: retention never deletes it (`PUT /api/runs/{id}/hold`). */
    held: integer("held").notNull().default(0),
    /**
     * Set when its deletion began (docs/LIFECYCLE.md): the run is no longer listed, and a
     * deletion that stopped half-way is finished by the next sweep. The row goes last.
     */
    deletingAt: integer("deleting_at"),
    /**
     * An archived run imported from an export (docs/LIFECYCLE.md, "Export and import"): the id
     * it had where it ran, and when it was imported. Read-only; retention leaves it alone.
     */
    archivedFrom: text("archived_from"),
    archivedAt: integer("archived_at"),
    /**
     * The gate of a run of a workflow with a concurrency limit (docs/FLOW-CONTROL.md): the
     * `RunGate` object's name, which holds it while `queued` and frees its slot when it ends.
     */
    gate: text("gate"),
    /**
     * When it began to run: its creation, or for a gated run the moment its gate started it, so
     * `started_at - created_at` is its wait in the queue (`GET /api/stats`, `queue`). NULL while
     * queued, for a queued run cancelled before it started, and for runs before migration 0027.
     */
    startedAt: integer("started_at"),
  },
  (t) => [
    index("runs_tenant_created").on(t.tenantId, t.createdAt),
    index("runs_tenant_gated_started")
      .on(t.tenantId, t.startedAt)
      .where(sql`${t.gate} IS NOT NULL`),
    index("runs_workflow_gated_started")
      .on(t.workflowId, t.startedAt)
      .where(sql`${t.gate} IS NOT NULL`),
    index("runs_tenant_status").on(t.tenantId, t.status, t.createdAt),
    index("runs_tenant_finished").on(t.tenantId, t.finishedAt),
    index("runs_workflow").on(t.workflowId, t.createdAt),
    index("runs_workflow_finished").on(t.workflowId, t.finishedAt),
    index("runs_deleting").on(t.deletingAt),
  ],
);

export const nodeExecutions = sqliteTable(
  "node_executions",
  {
    runId: text("run_id")
      .notNull()
      .references(() => runs.id),
    nodeId: text("node_id").notNull(),
    iteration: integer("iteration").notNull(),
    attempt: integer("attempt").notNull(),
    type: text("type").notNull(),
    status: text("status").notNull(),
    startedAt: integer("started_at"),
    finishedAt: integer("finished_at"),
    outputHash: text("output_hash"),
    error: text("error"),
    /** Agent executions: JSON { model, promptTokens, completionTokens, cachedTokens, calls, costUsd }. */
    usage: text("usage"),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.nodeId, t.iteration, t.attempt] }),
    // Only the executions with usage (agents, sub-workflows): `/api/stats`'s model figures
    // join a window's runs to them without reading every execution (db/stats.ts).
    index("node_executions_usage").on(t.runId).where(sql`${t.usage} IS NOT NULL`),
  ],
);

export const approvals = sqliteTable(
  "approvals",
  {
    runId: text("run_id")
      .notNull()
      .references(() => runs.id),
    nodeId: text("node_id").notNull(),
    /** The node attempt this approval belongs to (a loop may ask again). */
    attempt: integer("attempt").notNull(),
    /** The loop iteration of that attempt (null: recorded before iterations were). */
    iteration: integer("iteration"),
    /**
     * When the run is a child (docs/COMPOSITION.md): its parent run, the subworkflow node and
     * the map item that started it (the inbox's context).
     */
    parentRunId: text("parent_run_id"),
    parentNodeId: text("parent_node_id"),
    parentItem: integer("parent_item"),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    workflowId: text("workflow_id").notNull(),
    status: text("status", {
      enum: ["pending", "approved", "rejected", "timeout", "cancelled"],
    }).notNull(),
    message: text("message").notNull(),
    /** JSON Schema of the form, if any. */
    form: text("form"),
    required: integer("required").notNull(),
    /** JSON `{ users?, roles? }` of who may decide (docs/PEOPLE.md); null: anyone with `approve`. */
    approvers: text("approvers"),
    /** `any` or `majority` (null: `any`). */
    rejectIf: text("reject_if"),
    /** JSON array of { by, userId?, decision, comment, at }. */
    votes: text("votes").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at"),
    decidedAt: integer("decided_at"),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.nodeId, t.attempt] }),
    index("approvals_tenant_status").on(t.tenantId, t.status, t.createdAt),
    // Approvals pending over every tenant (the operator's `aob_approvals_pending`).
    index("approvals_status").on(t.status),
  ],
);

/** How a workflow is started besides the API: a webhook (secret token) and/or a cron schedule. */
export const triggers = sqliteTable(
  "triggers",
  {
    workflowId: text("workflow_id")
      .primaryKey()
      .references(() => workflows.id),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    /** SHA-256 of the webhook token; null = no webhook. */
    webhookTokenHash: text("webhook_token_hash").unique(),
    /** A 5-field cron expression (UTC); null = no schedule. */
    cron: text("cron"),
    /**
     * The webhook's HMAC-SHA256 signing secret, AES-GCM under AOB_SECRETS_KEY (like tenant
     * secrets); null = deliveries need no signature.
     */
    signingSecret: text("signing_secret"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("triggers_cron").on(t.cron), index("triggers_tenant").on(t.tenantId)],
);

/** Deduplication of trigger deliveries: one run per (workflow, idempotency key). */
export const triggerDeliveries = sqliteTable(
  "trigger_deliveries",
  {
    workflowId: text("workflow_id").notNull(),
    key: text("key").notNull(),
    runId: text("run_id"),
    createdAt: integer("created_at").notNull(),
    /**
     * Why no run started for this delivery, JSON `{ code, message }` (a cron start refused by
     * admission or the per-tenant cap, or one that failed); null while starting or once started.
     */
    error: text("error"),
  },
  (t) => [
    primaryKey({ columns: [t.workflowId, t.key] }),
    index("trigger_deliveries_run").on(t.runId),
    index("trigger_deliveries_created").on(t.createdAt),
  ],
);

/** Tenant secrets, encrypted with AES-GCM under the Worker secret AOB_SECRETS_KEY. */
export const secrets = sqliteTable(
  "secrets",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    /** base64 of IV (12 bytes) followed by the ciphertext. */
    ciphertext: text("ciphertext").notNull(),
    /**
     * JSON array of the host patterns the secret may be sent to (`core/secrets/hosts.ts`);
     * NULL for an unbound secret, which may go to any host.
     */
    allowedHosts: text("allowed_hosts"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);

/** Every patch proposed to a run (by an agent or a person), with its outcome: provenance. */
export const runPatches = sqliteTable(
  "run_patches",
  {
    runId: text("run_id")
      .notNull()
      .references(() => runs.id),
    /** Order of proposal within the run, from 1. */
    id: integer("id").notNull(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    /** JSON: { kind: "agent", nodeId, attempt } or { kind: "person", by, keyId }. */
    source: text("source").notNull(),
    /** JSON array of ops. */
    ops: text("ops").notNull(),
    reason: text("reason"),
    status: text("status", { enum: ["proposed", "applied", "rejected"] }).notNull(),
    /** JSON array of { path, at, code, message } when rejected. */
    problems: text("problems"),
    proposedAt: integer("proposed_at").notNull(),
    decidedAt: integer("decided_at"),
  },
  (t) => [primaryKey({ columns: [t.runId, t.id] }), index("run_patches_tenant").on(t.tenantId)],
);

/**
 * Semantic cache (core/optimise/cache-keys.ts): outputs of deterministic nodes by key, reused
 * by later runs of the same tenant until `expires_at`. The output itself is the R2 blob
 * `cas/sha256/<output_hash>`.
 */
export const semanticCache = sqliteTable(
  "semantic_cache",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    /** sha256 hex of { kind, rendered config, inputs, model }. */
    key: text("key").notNull(),
    kind: text("kind").notNull(),
    outputHash: text("output_hash").notNull(),
    /** Provenance, shown on a hit: the run and node that produced the output. */
    runId: text("run_id").notNull(),
    nodeId: text("node_id").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.key] }),
    index("semantic_cache_expiry").on(t.expiresAt),
  ],
);

/**
 * Browser sessions (docs/API.md, "Sessions"): signing in with an API key sets an httpOnly cookie
 * holding a random token; only the token's SHA-256 is stored here. A session acts as its key
 * (tenant, scopes, name) until `expires_at`, sign-out, or the key's revocation, which deletes
 * its rows.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 hex of the cookie's token; the token itself is never stored. */
    tokenHash: text("token_hash").primaryKey(),
    keyId: text("key_id")
      .notNull()
      .references(() => apiKeys.id),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("sessions_key").on(t.keyId)],
);

/**
 * Which runs hold open WebSockets of which key, so that revoking a key reaches exactly those
 * RunObjects and closes the sockets at once. `sockets` counts upgrades minus closes: the API
 * adds one before the run accepts a socket, the run takes one away when it closes, and the
 * row goes at 0. A socket lost without a close keeps its row (one extra call at revocation).
 */
export const keySockets = sqliteTable(
  "key_sockets",
  {
    keyId: text("key_id")
      .notNull()
      .references(() => apiKeys.id),
    runId: text("run_id").notNull(),
    sockets: integer("sockets").notNull(),
  },
  (t) => [primaryKey({ columns: [t.keyId, t.runId] }), index("key_sockets_run").on(t.runId)],
);

/**
 * Blobs a tenant may read, one row per run that holds the blob (docs/PAYLOADS.md,
 * docs/LIFECYCLE.md): recorded by whoever writes a large output, a streamed response body or an
 * outbox blob to R2, before writing it, so `GET /api/blobs/{hash}` serves it while the run runs;
 * a replay and a cache hit copy the holds of the run they reuse. R2 content is shared across
 * tenants (`cas/sha256/<hash>`); a row here is what grants one tenant access to one hash, and an
 * R2 object no row names is deleted (`blob_deletions`).
 */
export const blobs = sqliteTable(
  "blobs",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    /** sha256 hex of the bytes as stored (canonical JSON for a JSON output). */
    hash: text("hash").notNull(),
    /** The R2 key holding the bytes. */
    key: text("key").notNull(),
    bytes: integer("bytes").notNull(),
    contentType: text("content_type").notNull(),
    /** The run that holds it: it goes when that run is deleted. */
    runId: text("run_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.hash, t.runId] }),
    index("blobs_run").on(t.runId),
    index("blobs_key").on(t.key),
  ],
);

/**
 * R2 keys being deleted (docs/LIFECYCLE.md, "Blobs"): written before the deleter checks that no
 * `blobs` row names the key, refreshed at that check, removed once the object is gone. A writer
 * records its row first and then waits while a fresh tombstone names its key, so an object is
 * never deleted under a writer that found it present.
 */
export const blobDeletions = sqliteTable(
  "blob_deletions",
  {
    key: text("key").primaryKey(),
    /** The run whose deletion released the key (a resumed deletion finds its own). */
    runId: text("run_id").notNull(),
    at: integer("at").notNull(),
    /** The object's size, for the sweep's report of bytes freed. */
    bytes: integer("bytes").notNull().default(0),
  },
  (t) => [index("blob_deletions_run").on(t.runId)],
);

/**
 * How long a tenant's runs are kept (docs/LIFECYCLE.md): the tenant's policy (`workflow_id` "")
 * and per-workflow overrides. Null fields do not limit; a tenant without a row has the default.
 */
export const retentionPolicies = sqliteTable(
  "retention_policies",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    /** "" for the tenant's policy. */
    workflowId: text("workflow_id").notNull(),
    /** Finished runs older than this many days are deleted. */
    days: integer("days"),
    /** Failed runs are kept this many days instead, when set. */
    failedDays: integer("failed_days"),
    /** Only the newest this many finished runs of each workflow are kept. */
    keepLast: integer("keep_last"),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.workflowId] })],
);

/** What each retention sweep did (`GET /api/retention` shows the latest). */
export const sweeps = sqliteTable("sweeps", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  startedAt: integer("started_at").notNull(),
  finishedAt: integer("finished_at"),
  runsDeleted: integer("runs_deleted").notNull().default(0),
  rowsDeleted: integer("rows_deleted").notNull().default(0),
  blobsDeleted: integer("blobs_deleted").notNull().default(0),
  bytesFreed: integer("bytes_freed").notNull().default(0),
  /** 1 when it stopped at its budget with expired runs left for the next one. */
  more: integer("more").notNull().default(0),
  error: text("error"),
});

/**
 * Runs waiting for an event (docs/COMPOSITION.md): a wait node's registration, written by its
 * run before it parks, so `POST /api/events` without a `runId` finds every run of the tenant
 * waiting on a name and key. One row per (run, node): a wait in a loop replaces its last one.
 * The run removes its rows when it ends; a stale row only costs a refused delivery.
 */
export const eventWaits = sqliteTable(
  "event_waits",
  {
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    /** The rendered `match`; null: the wait takes any key. */
    key: text("key"),
    runId: text("run_id").notNull(),
    nodeId: text("node_id").notNull(),
    attempt: integer("attempt").notNull(),
    /** The wait's timeout (epoch ms); null: until the run ends. */
    expiresAt: integer("expires_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.nodeId] }),
    index("event_waits_name").on(t.tenantId, t.name, t.key),
    index("event_waits_expires").on(t.expiresAt),
  ],
);

/**
 * The tenant's audit log (docs/PEOPLE.md): one row per change a person made through the API,
 * append-only. Rows go with their tenant, or past the tenant's `auditDays` retention.
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    at: integer("at").notNull(),
    userId: text("user_id"),
    userName: text("user_name").notNull(),
    keyId: text("key_id"),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id").notNull(),
    /** JSON object: what changed (names and counts, never a secret's value). */
    details: text("details").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
  },
  (t) => [
    index("audit_tenant_at").on(t.tenantId, t.at, t.id),
    index("audit_tenant_action").on(t.tenantId, t.action, t.at, t.id),
    index("audit_tenant_user").on(t.tenantId, t.userId, t.at, t.id),
  ],
);

/**
 * Where a tenant's notifications go (docs/PEOPLE.md, "Notifications"): a generic JSON webhook
 * or a Slack incoming webhook. The URL is a credential (Slack's is), so it is sealed with
 * AOB_SECRETS_KEY like a secret. `events` are the kinds the channel gets for every workflow;
 * a node may name more channels for itself.
 */
export const notificationChannels = sqliteTable(
  "notification_channels",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    type: text("type", { enum: ["webhook", "slack"] }).notNull(),
    /** The URL, AES-GCM under AOB_SECRETS_KEY. */
    url: text("url").notNull(),
    /** The URL's host, to show without unsealing it. */
    host: text("host").notNull(),
    /** JSON array of event kinds: approval, budget, run_failed. */
    events: text("events").notNull(),
    /** Where decision links point: the origin the channel was set from. */
    origin: text("origin").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);

/**
 * Decision links sent in notifications (docs/PEOPLE.md): one row per link, claimed once. The
 * link itself is signed (HMAC); this row makes it single-use.
 */
export const decisionLinks = sqliteTable(
  "decision_links",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    runId: text("run_id").notNull(),
    userId: text("user_id").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
  },
  (t) => [index("decision_links_run").on(t.runId), index("decision_links_expiry").on(t.expiresAt)],
);

/**
 * Where a tenant's run traces go (docs/OBSERVABILITY.md, "Traces (OpenTelemetry)"): one OTLP/HTTP
 * endpoint per tenant. The endpoint and the headers may hold credentials, so both are sealed
 * with AOB_SECRETS_KEY like a notification channel's URL; header values may also reference
 * the tenant's secrets (`{{ secrets.NAME }}`), resolved when a trace is sent.
 */
export const telemetryOtlp = sqliteTable("telemetry_otlp", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id),
  /** The traces URL, AES-GCM under AOB_SECRETS_KEY. */
  endpoint: text("endpoint").notNull(),
  /** The endpoint's host, to show without unsealing it. */
  host: text("host").notNull(),
  /** JSON object of header names to values, AES-GCM under AOB_SECRETS_KEY. */
  headers: text("headers").notNull(),
  /** JSON array of the header names, to show. */
  headerNames: text("header_names").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull(),
  updatedAt: integer("updated_at").notNull(),
});
/*
 * Running totals for `GET /api/metrics` (docs/OBSERVABILITY.md): Prometheus counters must only
 * grow, and a scrape every 15 s must not count a tenant's runs, so each ended run adds to these
 * rows once, in the batch that projects its end, guarded by its `runs` row not yet having
 * ended. Retention deleting runs takes nothing away; a tenant's deletion takes its rows. Rows of
 * `tenant_id` "*" are the operator's totals over every tenant (`?scope=all`).
 */

/** Histogram buckets (core/metrics/buckets.ts): counts per bucket, not cumulated. */
const bucketColumns = () => ({
  b0: integer("b0").notNull().default(0),
  b1: integer("b1").notNull().default(0),
  b2: integer("b2").notNull().default(0),
  b3: integer("b3").notNull().default(0),
  b4: integer("b4").notNull().default(0),
  b5: integer("b5").notNull().default(0),
  b6: integer("b6").notNull().default(0),
  b7: integer("b7").notNull().default(0),
  b8: integer("b8").notNull().default(0),
  b9: integer("b9").notNull().default(0),
  b10: integer("b10").notNull().default(0),
  b11: integer("b11").notNull().default(0),
  b12: integer("b12").notNull().default(0),
  b13: integer("b13").notNull().default(0),
});

/** Runs ended, by workflow and status (`aob_runs_total`); the operator's rows have workflow "". */
export const metricRuns = sqliteTable(
  "metric_runs",
  {
    tenantId: text("tenant_id").notNull(),
    workflowId: text("workflow_id").notNull(),
    status: text("status", { enum: ["completed", "failed", "cancelled"] }).notNull(),
    runs: integer("runs").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.workflowId, t.status] })],
);

/** Node attempts of ended runs by kind: outcomes and the duration histogram. */
export const metricNodes = sqliteTable(
  "metric_nodes",
  {
    tenantId: text("tenant_id").notNull(),
    kind: text("kind").notNull(),
    succeeded: integer("succeeded").notNull().default(0),
    /** Failed for good: the node's last attempt in its iteration. */
    failed: integer("failed").notNull().default(0),
    /** Failed and tried again. */
    retried: integer("retried").notNull().default(0),
    /** Attempts with a start and an end: the histogram's count. */
    timed: integer("timed").notNull().default(0),
    durationMs: integer("duration_ms").notNull().default(0),
    ...bucketColumns(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.kind] })],
);

/** Model usage of ended runs by model. */
export const metricModels = sqliteTable(
  "metric_models",
  {
    tenantId: text("tenant_id").notNull(),
    model: text("model").notNull(),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    cachedTokens: integer("cached_tokens").notNull().default(0),
    calls: integer("calls").notNull().default(0),
    /** USD of priced calls. */
    costUsd: real("cost_usd").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.model] })],
);

/** Approvals decided (approved, rejected, timed out): the time from request to decision. */
export const metricDecisions = sqliteTable(
  "metric_decisions",
  {
    tenantId: text("tenant_id").notNull(),
    decision: text("decision", { enum: ["approved", "rejected", "timeout"] }).notNull(),
    count: integer("count").notNull().default(0),
    durationMs: integer("duration_ms").notNull().default(0),
    ...bucketColumns(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.decision] })],
);

/**
 * A tenant's MCP servers (docs/AGENTS.md): agents use their tools by the server's name. Header
 * values may hold `{{ secrets.NAME }}` references, resolved only by the runner when it connects;
 * a resolved secret is never stored here.
 */
export const mcpServers = sqliteTable(
  "mcp_servers",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    /** The Streamable HTTP endpoint. */
    url: text("url").notNull(),
    /** JSON object of header names to values (secret references, not values). */
    headers: text("headers").notNull(),
    /** JSON array of the tools agents may use; NULL for every tool the server lists. */
    allowedTools: text("allowed_tools"),
    /** JSON array of the tools that change something (they turn the semantic cache off). */
    effects: text("effects").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);
