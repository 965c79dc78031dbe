import { RUN_STATUSES, type RunStatus } from "./flow/status";

/** The pages of the app, each with its own URL (served by the Worker's SPA fallback). */
export type Route =
  | { page: "workflows" }
  | { page: "builder"; workflowId: string | null; version: number | null }
  | { page: "runs"; status: RunStatus | null; workflowId: string | null }
  | { page: "run"; runId: string }
  | { page: "approvals" }
  | { page: "secrets" }
  | { page: "status" }
  | { page: "reference" };

/**
 * The route of a URL path and query.
 * @example
 * parseRoute("/runs", "?status=failed") // { page: "runs", status: "failed", workflowId: null }
 */
export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(search);
  const [first, second] = parts;
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
      if (second !== undefined) return { page: "run", runId: second };
      const status = query.get("status");
      return {
        page: "runs",
        status: (RUN_STATUSES as readonly string[]).includes(status ?? "")
          ? (status as RunStatus)
          : null,
        workflowId: query.get("workflowId"),
      };
    }
    case "approvals":
      return { page: "approvals" };
    case "secrets":
      return { page: "secrets" };
    case "status":
      return { page: "status" };
    case "reference":
      return { page: "reference" };
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
      const s = q.toString();
      return s ? `/runs?${s}` : "/runs";
    }
    case "run":
      return `/runs/${encodeURIComponent(route.runId)}`;
    case "approvals":
      return "/approvals";
    case "secrets":
      return "/secrets";
    case "status":
      return "/status";
    case "reference":
      return "/reference";
  }
}
