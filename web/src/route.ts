import { STATS_BUCKET_NAMES, type StatsBucket } from "../../core/metrics/window";
import { AUDIT_ACTIONS, type AuditAction } from "../../core/people/audit-actions";
import { RANGE_PRESETS, type RangePreset } from "./dashboard/range";
import { RUN_STATUSES, type RunStatus } from "./flow/status";

/** How a run was started (the run list's `trigger` filter). */
export const RUN_TRIGGERS = ["api", "webhook", "cron", "replay", "subworkflow"] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

/** The pages of the app, each with its own URL (served by the Worker's SPA fallback). */
export type Route =
  | { page: "workflows" }
  | { page: "builder"; workflowId: string | null; version: number | null }
  | {
      page: "runs";
      status: RunStatus | null;
      workflowId: string | null;
      /** How the runs were started, and when they were created (ms): optional filters. */
      trigger?: RunTrigger | null;
      from?: number | null;
      to?: number | null;
    }
  | { page: "run"; runId: string }
  /** Two runs side by side, node by node (`a` the baseline). */
  | { page: "compare"; a: string; b: string }
  /** The inbox: what waits for the signed-in user (`me`), or every pending approval. */
  | { page: "approvals"; whose: "me" | "anyone" }
  | { page: "secrets" }
  /** Where the tenant's notifications go (webhook and Slack channels). */
  | { page: "notifications" }
  /** The MCP servers whose tools agents use (docs/AGENTS.md). */
  | { page: "mcp-servers" }
  | { page: "users" }
  /** The audit log, filtered by action and by the user who acted. */
  | { page: "audit"; action: AuditAction | null; userId: string | null }
  | { page: "status" }
  /** Figures over time (`GET /api/stats`): the tenant's or one workflow's, over a preset range. */
  | {
      page: "dashboard";
      workflowId: string | null;
      range: RangePreset;
      /** The series' bucket size; null: the API's default for the range. */
      bucket: StatsBucket | null;
    }
  | { page: "reference" }
  /** A notification's decision link (its token in the fragment): no sign-in needed. */
  | { page: "decide" };

/**
 * The route of a URL path and query.
 * @example
 * parseRoute("/runs", "?status=failed") // { page: "runs", status: "failed", workflowId: null }
 */
export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(search);
  const [first, second, third, fourth] = parts;
  switch (first) {
    case undefined:
    case "workflows":
      if (second === undefined) return { page: "workflows" };
      return {
        page: "builder",
        workflowId: second === "new" ? null : second,
        version: positiveInt(query.get("version")),
      };
    case "runs": {
      if (second !== undefined && third === "compare" && fourth !== undefined) {
        return { page: "compare", a: second, b: fourth };
      }
      if (second !== undefined) return { page: "run", runId: second };
      const status = query.get("status");
      const trigger = query.get("trigger");
      return {
        page: "runs",
        status: (RUN_STATUSES as readonly string[]).includes(status ?? "")
          ? (status as RunStatus)
          : null,
        workflowId: query.get("workflowId"),
        trigger: (RUN_TRIGGERS as readonly string[]).includes(trigger ?? "")
          ? (trigger as RunTrigger)
          : null,
        from: positiveInt(query.get("from")),
        to: positiveInt(query.get("to")),
      };
    }
    case "approvals":
      return { page: "approvals", whose: query.get("for") === "anyone" ? "anyone" : "me" };
    case "secrets":
      return { page: "secrets" };
    case "notifications":
      return { page: "notifications" };
    case "mcp-servers":
      return { page: "mcp-servers" };
    case "users":
      return { page: "users" };
    case "audit": {
      const action = query.get("action");
      return {
        page: "audit",
        action: (AUDIT_ACTIONS as readonly string[]).includes(action ?? "")
          ? (action as AuditAction)
          : null,
        userId: query.get("userId") || null,
      };
    }
    case "status":
      return { page: "status" };
    case "dashboard": {
      const range = query.get("range");
      const bucket = query.get("bucket");
      return {
        page: "dashboard",
        workflowId: query.get("workflow") || null,
        range: (RANGE_PRESETS as readonly string[]).includes(range ?? "")
          ? (range as RangePreset)
          : "24h",
        bucket: (STATS_BUCKET_NAMES as readonly string[]).includes(bucket ?? "")
          ? (bucket as StatsBucket)
          : null,
      };
    }
    case "reference":
      return { page: "reference" };
    case "decide":
      return { page: "decide" };
    default:
      return { page: "workflows" };
  }
}

function positiveInt(raw: string | null): number | null {
  if (raw === null) return null;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** The URL of a route. */
export function formatRoute(route: Route): string {
  switch (route.page) {
    case "workflows":
      return "/workflows";
    case "builder": {
      const base = `/workflows/${route.workflowId === null ? "new" : encodeURIComponent(route.workflowId)}`;
      return route.version === null ? base : `${base}?version=${route.version}`;
    }
    case "runs": {
      const q = new URLSearchParams();
      if (route.status) q.set("status", route.status);
      if (route.workflowId) q.set("workflowId", route.workflowId);
      if (route.trigger) q.set("trigger", route.trigger);
      if (route.from) q.set("from", String(route.from));
      if (route.to) q.set("to", String(route.to));
      const s = q.toString();
      return s ? `/runs?${s}` : "/runs";
    }
    case "run":
      return `/runs/${encodeURIComponent(route.runId)}`;
    case "compare":
      return `/runs/${encodeURIComponent(route.a)}/compare/${encodeURIComponent(route.b)}`;
    case "approvals":
      return route.whose === "anyone" ? "/approvals?for=anyone" : "/approvals";
    case "secrets":
      return "/secrets";
    case "notifications":
      return "/notifications";
    case "mcp-servers":
      return "/mcp-servers";
    case "users":
      return "/users";
    case "audit": {
      const q = new URLSearchParams();
      if (route.action) q.set("action", route.action);
      if (route.userId) q.set("userId", route.userId);
      const s = q.toString();
      return s ? `/audit?${s}` : "/audit";
    }
    case "status":
      return "/status";
    case "dashboard": {
      const q = new URLSearchParams();
      if (route.workflowId) q.set("workflow", route.workflowId);
      if (route.range !== "24h") q.set("range", route.range);
      if (route.bucket) q.set("bucket", route.bucket);
      const s = q.toString();
      return s ? `/dashboard?${s}` : "/dashboard";
    }
    case "reference":
      return "/reference";
    case "decide":
      return "/decide";
  }
}
