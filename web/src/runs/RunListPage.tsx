import { useState } from "react";
import { call } from "../api/client";
import { useSession } from "../api/session";
import type { RunSummary } from "../api/types";
import { useWorkflows } from "../api/use-workflows";
import { RUN_STATUSES, type RunStatus } from "../flow/status";
import { RUN_TRIGGERS, type RunTrigger } from "../route";
import { formatDuration, formatTime } from "../ui/format";
import { Link } from "../ui/Link";
import { OptionalSelect } from "../ui/OptionalSelect";
import { PageHead } from "../ui/PageHead";
import { ResourceTable } from "../ui/ResourceTable";
import { StatusBadge } from "../ui/StatusBadge";
import { useAsync } from "../ui/use-async";
import { navigate } from "../use-route";
import { ImportRunsDialog } from "./ImportRunsDialog";
import { StartRunDialog } from "./StartRunDialog";
import "./runs.css";

/** The run list's filters, as its URL keeps them. */
export interface RunFilter {
  status: RunStatus | null;
  workflowId: string | null;
  trigger: RunTrigger | null;
  /** Created at or after / before (ms). */
  from: number | null;
  to: number | null;
}

/** The API's query for a filter (the list's and the export's). */
function queryOf(filter: RunFilter): Record<string, string> {
  const query: Record<string, string> = {};
  if (filter.status) query.status = filter.status;
  if (filter.workflowId) query.workflowId = filter.workflowId;
  if (filter.trigger) query.trigger = filter.trigger;
  if (filter.from) query.from = String(filter.from);
  if (filter.to) query.to = String(filter.to);
  return query;
}

/** A `datetime-local` input's value for a time, and back (local time, as the user reads it). */
const localInput = (ms: number | null) =>
  ms === null
    ? ""
    : new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
const fromLocalInput = (value: string) => (value ? new Date(value).getTime() || null : null);

/**
 * Runs, newest first, filtered by status, workflow, trigger and creation time, 100 at a time;
 * the filter's ended runs export as one archive, and an archive imports from here.
 */
export function RunListPage({ filter }: { filter: RunFilter }) {
  const { status, workflowId } = filter;
  const { client } = useSession();
  const [starting, setStarting] = useState(false);
  const [importing, setImporting] = useState(false);
  // Two runs picked to compare (a third pick drops the first).
  const [picked, setPicked] = useState<RunSummary[]>([]);
  const pick = (run: RunSummary, on: boolean) =>
    setPicked((p) =>
      on ? [...p.filter((r) => r.id !== run.id), run].slice(-2) : p.filter((r) => r.id !== run.id),
    );
  const compare = () => {
    // The older run is A, the baseline.
    const [x, y] = [...picked].sort((m, n) => m.createdAt - n.createdAt);
    if (x && y) navigate({ page: "compare", a: x.id, b: y.id });
  };
  const go = (change: Partial<RunFilter>) => navigate({ page: "runs", ...filter, ...change });
  // Pages read so far (the first on load, the next ones with "Show more"), kept with the cursor.
  const [more, setMore] = useState<{ runs: RunSummary[]; cursor: string | null; busy: boolean }>({
    runs: [],
    cursor: null,
    busy: false,
  });
  const pageOf = async (cursor: string | null) => {
    const query = { ...queryOf(filter), limit: "100", ...(cursor ? { cursor } : {}) };
    return call(client.api.runs.$get({ query }));
  };
  const runs = useAsync(async () => {
    const first = await pageOf(null);
    setMore({ runs: [], cursor: first.nextCursor, busy: false });
    return first.runs;
  }, [client, status, workflowId, filter.trigger, filter.from, filter.to]);
  const filtering = Boolean(status || workflowId || filter.trigger || filter.from || filter.to);
  const exportUrl = `/api/runs/export?${new URLSearchParams(queryOf(filter))}`;
  const showMore = async () => {
    setMore((m) => ({ ...m, busy: true }));
    const next = await pageOf(more.cursor);
    setMore((m) => ({ runs: [...m.runs, ...next.runs], cursor: next.nextCursor, busy: false }));
  };
  const shown = runs.data ? [...runs.data, ...more.runs] : null;
  const workflows = useWorkflows();
  const { names } = workflows;

  return (
    <div className="page">
      <PageHead title="Runs">
        <div className="filters">
          <label htmlFor="run-status">Status</label>
          <OptionalSelect
            id="run-status"
            value={status}
            options={RUN_STATUSES}
            none="all"
            onChange={(s) => go({ status: s })}
          />
          <label htmlFor="run-workflow">Workflow</label>
          <OptionalSelect
            id="run-workflow"
            value={workflowId}
            options={[...names.keys()]}
            none="all"
            labelOf={(id) => names.get(id) ?? id}
            onChange={(id) => go({ workflowId: id })}
          />
          <label htmlFor="run-trigger">Trigger</label>
          <OptionalSelect
            id="run-trigger"
            value={filter.trigger}
            options={RUN_TRIGGERS}
            none="all"
            onChange={(t) => go({ trigger: t })}
          />
          <label htmlFor="run-from">From</label>
          <input
            id="run-from"
            type="datetime-local"
            value={localInput(filter.from)}
            onChange={(e) => go({ from: fromLocalInput(e.target.value) })}
          />
          <label htmlFor="run-to">To</label>
          <input
            id="run-to"
            type="datetime-local"
            value={localInput(filter.to)}
            onChange={(e) => go({ to: fromLocalInput(e.target.value) })}
          />
          <button type="button" onClick={runs.reload}>
            Refresh
          </button>
          <a
            className="button"
            href={exportUrl}
            download="runs.aob.ndjson"
            title="The ended runs of this filter (at most 100) as one archive"
          >
            Export these runs
          </a>
          <button type="button" onClick={() => setImporting(true)}>
            Import…
          </button>
          <button
            type="button"
            disabled={picked.length < 2}
            title="Tick two runs in the list to compare them node by node"
            onClick={compare}
          >
            Compare picked ({picked.length}/2)
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
      </PageHead>
      <ResourceTable
        list={{ ...runs, data: shown }}
        what="runs"
        failed="Cannot list runs"
        retry={runs.reload}
        empty={{
          title: filtering ? "No runs match these filters" : "No runs yet",
          children: filtering ? (
            <>Set the filters to “all” to see every run.</>
          ) : (
            <>
              Open a workflow from the <Link to={{ page: "workflows" }}>workflow list</Link>, save
              it and press Run, or pick a workflow above and start a run.
            </>
          ),
        }}
        columns={[
          <span key="compare" className="sr-only">
            Compare
          </span>,
          "Run",
          "Workflow",
          "Status",
          "Started",
          "Duration",
          "Error",
        ]}
        row={(r) => (
          <tr key={r.id}>
            <td>
              <input
                type="checkbox"
                aria-label={`Pick ${r.id} to compare`}
                checked={picked.some((p) => p.id === r.id)}
                onChange={(e) => pick(r, e.target.checked)}
              />
            </td>
            <td>
              <Link to={{ page: "run", runId: r.id }}>
                <code>{r.id}</code>
              </Link>
            </td>
            <td>
              {names.get(r.workflowId) ?? r.workflowId} <span className="muted">v{r.version}</span>
            </td>
            <td>
              <StatusBadge status={r.status} />
              {r.held && (
                <span className="held-tag" title="Held: retention never deletes it">
                  held
                </span>
              )}
              {r.archivedFrom && (
                <span
                  className="held-tag"
                  title={`Archived: imported from run ${r.archivedFrom}; read-only`}
                >
                  archived
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
        )}
      />
      {runs.data && more.cursor && (
        <button type="button" onClick={() => void showMore()} disabled={more.busy}>
          Show more runs
        </button>
      )}
      {importing && (
        <ImportRunsDialog onImported={() => runs.reload()} onClose={() => setImporting(false)} />
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
