import { useMemo, useState } from "react";
import { everyPage } from "../../../core/wire/cursor";
import { call } from "../api/client";
import { useSession } from "../api/session";
import type { RunSummary } from "../api/types";
import { RUN_STATUSES, type RunStatus } from "../flow/status";
import { formatDuration, formatTime } from "../ui/format";
import { Link } from "../ui/Link";
import { EmptyState, ErrorNote, Loading } from "../ui/notes";
import { StatusBadge } from "../ui/StatusBadge";
import { useAsync } from "../ui/use-async";
import { navigate } from "../use-route";
import { StartRunDialog } from "./StartRunDialog";
import "./runs.css";

/** Runs, newest first, filtered by status and workflow, 100 at a time. */
export function RunListPage({
  status,
  workflowId,
}: {
  status: RunStatus | null;
  workflowId: string | null;
}) {
  const { client } = useSession();
  const [starting, setStarting] = useState(false);
  // Pages read so far (the first on load, the next ones with "Show more"), kept with the cursor.
  const [more, setMore] = useState<{ runs: RunSummary[]; cursor: string | null; busy: boolean }>({
    runs: [],
    cursor: null,
    busy: false,
  });
  const pageOf = async (cursor: string | null) => {
    const query: { status?: RunStatus; workflowId?: string; limit: string; cursor?: string } = {
      limit: "100",
    };
    if (status) query.status = status;
    if (workflowId) query.workflowId = workflowId;
    if (cursor) query.cursor = cursor;
    return call(client.api.runs.$get({ query }));
  };
  const runs = useAsync(async () => {
    const first = await pageOf(null);
    setMore({ runs: [], cursor: first.nextCursor, busy: false });
    return first.runs;
  }, [client, status, workflowId]);
  const showMore = async () => {
    setMore((m) => ({ ...m, busy: true }));
    const next = await pageOf(more.cursor);
    setMore((m) => ({ runs: [...m.runs, ...next.runs], cursor: next.nextCursor, busy: false }));
  };
  const shown = runs.data ? [...runs.data, ...more.runs] : null;
  const workflows = useAsync(
    async () =>
      everyPage(async (cursor) => {
        const query = { limit: "500", ...(cursor ? { cursor } : {}) };
        const page = await call(client.api.workflows.$get({ query }));
        return { items: page.workflows, nextCursor: page.nextCursor };
      }),
    [client],
  );
  const names = useMemo(
    () => new Map((workflows.data ?? []).map((w) => [w.id, w.name])),
    [workflows.data],
  );

  return (
    <div className="page">
      <header className="page-head">
        <h1>Runs</h1>
        <div className="filters">
          <label htmlFor="run-status">Status</label>
          <select
            id="run-status"
            value={status ?? ""}
            onChange={(e) =>
              navigate({
                page: "runs",
                status: (e.target.value || null) as RunStatus | null,
                workflowId,
              })
            }
          >
            <option value="">all</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <label htmlFor="run-workflow">Workflow</label>
          <select
            id="run-workflow"
            value={workflowId ?? ""}
            onChange={(e) => navigate({ page: "runs", status, workflowId: e.target.value || null })}
          >
            <option value="">all</option>
            {(workflows.data ?? []).map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
          <button type="button" onClick={runs.reload}>
            Refresh
          </button>
          <button
            type="button"
            className="primary"
            disabled={!workflowId}
            title={workflowId ? undefined : "Pick a workflow to run"}
            onClick={() => setStarting(true)}
          >
            Start a run…
          </button>
        </div>
      </header>
      {runs.error && (
        <ErrorNote title="Cannot list runs">
          {runs.error}.{" "}
          <button type="button" className="linkish" onClick={runs.reload}>
            Try again
          </button>
        </ErrorNote>
      )}
      {runs.state === "loading" && !runs.data && <Loading what="runs" />}
      {runs.data && runs.data.length === 0 && (
        <EmptyState title={status || workflowId ? "No runs match these filters" : "No runs yet"}>
          {status || workflowId ? (
            <>Set the filters to “all” to see every run.</>
          ) : (
            <>
              Open a workflow from the <Link to={{ page: "workflows" }}>workflow list</Link>, save
              it and press Run, or pick a workflow above and start a run.
            </>
          )}
        </EmptyState>
      )}
      {shown && shown.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Run</th>
              <th>Workflow</th>
              <th>Status</th>
              <th>Started</th>
              <th>Duration</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.id}>
                <td>
                  <Link to={{ page: "run", runId: r.id }}>
                    <code>{r.id}</code>
                  </Link>
                </td>
                <td>
                  {names.get(r.workflowId) ?? r.workflowId}{" "}
                  <span className="muted">v{r.version}</span>
                </td>
                <td>
                  <StatusBadge status={r.status} />
                  {r.held && (
                    <span className="held-tag" title="Held: retention never deletes it">
                      held
                    </span>
                  )}
                </td>
                <td>{formatTime(r.createdAt)}</td>
                <td>{r.finishedAt ? formatDuration(r.finishedAt - r.createdAt) : "–"}</td>
                <td className="error-cell">
                  {r.error && typeof r.error === "object" && "message" in r.error
                    ? String(r.error.message)
                    : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {runs.data && more.cursor && (
        <button type="button" onClick={() => void showMore()} disabled={more.busy}>
          Show more runs
        </button>
      )}
      {starting && workflowId && (
        <StartRunDialog
          workflowId={workflowId}
          version={null}
          inputSchema={undefined}
          onClose={() => setStarting(false)}
        />
      )}
    </div>
  );
}
