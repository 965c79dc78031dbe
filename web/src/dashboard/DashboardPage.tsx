import { useMemo, useState } from "react";
import { STATS_BUCKET_NAMES, type StatsBucket } from "../../../core/metrics/window";
import { call } from "../api/client";
import { useSession } from "../api/session";
import type { Stats } from "../api/types";
import { useWorkflows } from "../api/use-workflows";
import { formatCost } from "../runs/attempts";
import { formatCount, formatDuration, formatTime } from "../ui/format";
import { Link } from "../ui/Link";
import { EmptyState, ErrorNote, Loading } from "../ui/notes";
import { OptionalSelect } from "../ui/OptionalSelect";
import { PageHead } from "../ui/PageHead";
import { useAsync } from "../ui/use-async";
import { navigate } from "../use-route";
import { NodeTable } from "./NodeTable";
import { RANGE_LABELS, RANGE_PRESETS, type RangePreset, windowOf } from "./range";
import { modelLines, runLines } from "./series";
import { TimeChart } from "./TimeChart";
import "./dashboard.css";

export interface DashboardFilter {
  workflowId: string | null;
  range: RangePreset;
  bucket: StatsBucket | null;
}

/** One figure: its name, and its value as text (the exact number in `data-value`). */
function Figure({
  label,
  value,
  format,
  testId,
}: {
  label: string;
  value: number | null;
  format: (n: number) => string;
  testId: string;
}) {
  return (
    <div className="figure" data-testid={testId}>
      <dt>{label}</dt>
      <dd data-value={value ?? ""}>{value === null ? "–" : format(value)}</dd>
    </div>
  );
}

const ms = (n: number) => formatDuration(n);
const usd = (n: number) => formatCost(n);

/** Says that a figure covers only the newest runs of the window (`capped` in the answer). */
function CappedNote({ stats, what }: { stats: Stats; what: string }) {
  return (
    <p className="note note-warn capped" role="note">
      Capped: {what} read the newest {formatCount(stats.sample)} rows only, so they cover the newest
      part of the window. Pick a shorter range for the whole of it.
    </p>
  );
}

/**
 * Figures over time from `GET /api/stats`: the tenant's or one workflow's runs over a preset range
 * (runs by outcome, durations, slow and failing nodes, retries, tokens and cost by model and
 * workflow, approvals, the queue). Every chart's numbers are also text: totals under it, a table behind it.
 */
export function DashboardPage({ filter }: { filter: DashboardFilter }) {
  const { client } = useSession();
  const go = (change: Partial<DashboardFilter>) =>
    navigate({ page: "dashboard", ...filter, ...change });
  // The window ends when the page asks (again on Refresh), so a preset reads "the last hour".
  const [now, setNow] = useState(() => Date.now());
  const span = useMemo(() => windowOf(filter.range, now), [filter.range, now]);
  const stats = useAsync(
    () =>
      call(
        client.api.stats.$get({
          query: {
            since: String(span.since),
            until: String(span.until),
            ...(filter.workflowId ? { workflow: filter.workflowId } : {}),
            ...(filter.bucket ? { bucket: filter.bucket } : {}),
          },
        }),
      ),
    [client, span, filter.workflowId, filter.bucket],
  );
  const workflows = useWorkflows();
  const s = stats.data;
  const runs = useMemo(() => (s ? runLines(s.series) : null), [s]);
  const tokens = useMemo(() => (s ? modelLines(s.series, "tokens") : null), [s]);
  const cost = useMemo(() => (s ? modelLines(s.series, "costUsd") : null), [s]);
  const ended = s ? s.totals.completed + s.totals.failed + s.totals.cancelled : 0;
  const nothing =
    s !== null &&
    s.totals.started === 0 &&
    ended === 0 &&
    s.approvals.pending === 0 &&
    s.queue.queued === 0;

  return (
    <div className="page dashboard">
      <PageHead title="Dashboard">
        <div className="dash-filters">
          <label htmlFor="dash-workflow">Workflow</label>
          <OptionalSelect
            id="dash-workflow"
            value={filter.workflowId}
            options={[...workflows.names.keys()]}
            none="all workflows"
            labelOf={(id) => workflows.names.get(id) ?? id}
            onChange={(id) => go({ workflowId: id })}
          />
          <fieldset className="range-presets">
            <legend className="sr-only">Time range</legend>
            {RANGE_PRESETS.map((r) => (
              <button
                key={r}
                type="button"
                className="small"
                aria-pressed={filter.range === r}
                title={RANGE_LABELS[r]}
                onClick={() => {
                  setNow(Date.now());
                  go({ range: r, bucket: null });
                }}
              >
                {r}
              </button>
            ))}
          </fieldset>
          <label htmlFor="dash-bucket">Bucket</label>
          <OptionalSelect
            id="dash-bucket"
            value={filter.bucket}
            options={STATS_BUCKET_NAMES}
            none="auto"
            onChange={(b) => go({ bucket: b })}
          />
          <button type="button" onClick={() => setNow(Date.now())}>
            Refresh
          </button>
        </div>
      </PageHead>
      <p
        className="muted window"
        data-testid="dashboard-window"
        data-since={span.since}
        data-until={span.until}
      >
        {RANGE_LABELS[filter.range]}: {formatTime(span.since)} to {formatTime(span.until)}
        {s && `, in buckets of ${s.bucket}`}
        {filter.workflowId ? "; one workflow" : "; every workflow"}
      </p>
      {stats.error && <ErrorNote title="Cannot read the figures">{stats.error}</ErrorNote>}
      {stats.state === "loading" && !s && <Loading what="the figures" />}
      {s && nothing && (
        <EmptyState title="No runs in this window">
          Nothing started, ended or waits for a decision {RANGE_LABELS[filter.range].toLowerCase()}
          {filter.workflowId ? " in this workflow" : ""}. Pick a longer range, or start a run from{" "}
          <Link to={{ page: "workflows" }}>Workflows</Link>.
        </EmptyState>
      )}
      {s && !nothing && runs && tokens && cost && (
        <div aria-busy={stats.state === "loading"}>
          <TimeChart
            title="Runs over time"
            testId="chart-runs"
            data={runs}
            format={formatCount}
            empty=""
          />

          <div className="figure-groups">
            <section aria-labelledby="dash-durations">
              <h2 id="dash-durations">Run durations</h2>
              <p className="help">From creation to end, of the runs that ended in the window.</p>
              {s.capped.durations && <CappedNote stats={s} what="durations" />}
              <dl className="figures">
                <Figure
                  label="runs"
                  value={s.durations.runs}
                  format={formatCount}
                  testId="dur-runs"
                />
                <Figure label="p50" value={s.durations.p50Ms} format={ms} testId="dur-p50" />
                <Figure label="p95" value={s.durations.p95Ms} format={ms} testId="dur-p95" />
                <Figure label="p99" value={s.durations.p99Ms} format={ms} testId="dur-p99" />
                <Figure label="mean" value={s.durations.meanMs} format={ms} testId="dur-mean" />
                <Figure label="max" value={s.durations.maxMs} format={ms} testId="dur-max" />
              </dl>
            </section>
            <section aria-labelledby="dash-nodes">
              <h2 id="dash-nodes">Node attempts</h2>
              <p className="help">Of the runs that ended in the window.</p>
              {s.capped.nodes && <CappedNote stats={s} what="node figures" />}
              <dl className="figures">
                <Figure
                  label="attempts"
                  value={s.nodes.attempts}
                  format={formatCount}
                  testId="nodes-attempts"
                />
                <Figure
                  label="executions"
                  value={s.nodes.executions}
                  format={formatCount}
                  testId="nodes-executions"
                />
                <Figure
                  label="retries"
                  value={s.nodes.retries}
                  format={formatCount}
                  testId="nodes-retries"
                />
                <Figure
                  label="failures"
                  value={s.nodes.failures}
                  format={formatCount}
                  testId="nodes-failures"
                />
              </dl>
            </section>
            <section aria-labelledby="dash-approvals">
              <h2 id="dash-approvals">Approvals</h2>
              <p className="help">Requested in the window; pending: waiting now.</p>
              <dl className="figures">
                <Figure
                  label="pending"
                  value={s.approvals.pending}
                  format={formatCount}
                  testId="appr-pending"
                />
                <Figure
                  label="approved"
                  value={s.approvals.approved}
                  format={formatCount}
                  testId="appr-approved"
                />
                <Figure
                  label="rejected"
                  value={s.approvals.rejected}
                  format={formatCount}
                  testId="appr-rejected"
                />
                <Figure
                  label="timed out"
                  value={s.approvals.timeout}
                  format={formatCount}
                  testId="appr-timeout"
                />
                <Figure
                  label="decision p50"
                  value={s.approvals.p50Ms}
                  format={ms}
                  testId="appr-p50"
                />
                <Figure
                  label="decision p95"
                  value={s.approvals.p95Ms}
                  format={ms}
                  testId="appr-p95"
                />
                <Figure
                  label="decision max"
                  value={s.approvals.maxMs}
                  format={ms}
                  testId="appr-max"
                />
              </dl>
            </section>
            <section aria-labelledby="dash-queue">
              <h2 id="dash-queue">Queue</h2>
              <p className="help">
                Runs of workflows with a concurrency limit: queued now, and how long those that
                began in the window waited to start.
              </p>
              {s.capped.queue && <CappedNote stats={s} what="the waits" />}
              <dl className="figures">
                <Figure
                  label="queued now"
                  value={s.queue.queued}
                  format={formatCount}
                  testId="queue-queued"
                />
                <Figure
                  label="began"
                  value={s.queue.started}
                  format={formatCount}
                  testId="queue-started"
                />
                <Figure label="wait p50" value={s.queue.p50Ms} format={ms} testId="queue-p50" />
                <Figure label="wait p95" value={s.queue.p95Ms} format={ms} testId="queue-p95" />
                <Figure label="wait max" value={s.queue.maxMs} format={ms} testId="queue-max" />
              </dl>
            </section>
          </div>

          <NodeTable
            title="Slowest nodes"
            testId="slowest-nodes"
            nodes={s.nodes.slowest}
            by="p95"
            capped={s.capped.nodes}
          />
          <NodeTable
            title="Nodes that fail most"
            testId="failing-nodes"
            nodes={s.nodes.failing}
            by="failures"
            capped={s.capped.nodes}
          />

          {s.capped.models && <CappedNote stats={s} what="tokens and cost by model" />}
          <TimeChart
            title="Tokens by model"
            testId="chart-tokens"
            data={tokens}
            format={formatCount}
            empty="No model was called by the runs that ended in the window."
          />
          <TimeChart
            title="Cost by model (USD)"
            testId="chart-cost"
            data={cost}
            format={usd}
            empty="No model was called by the runs that ended in the window."
          />
          <ModelTables stats={s} />
        </div>
      )}
    </div>
  );
}

/** Tokens and cost by model, and the workflows whose runs used the most tokens. */
function ModelTables({ stats }: { stats: Stats }) {
  return (
    <div className="dash-tables">
      <section aria-labelledby="dash-models">
        <h2 id="dash-models">Models</h2>
        {stats.models.length === 0 ? (
          <p className="muted">No model calls.</p>
        ) : (
          <table className="table" data-testid="models-table">
            <thead>
              <tr>
                <th scope="col">model</th>
                <th scope="col">calls</th>
                <th scope="col">prompt tokens</th>
                <th scope="col">completion tokens</th>
                <th scope="col">cached</th>
                <th scope="col">cost</th>
              </tr>
            </thead>
            <tbody>
              {stats.models.map((m) => (
                <tr key={m.model} data-model={m.model}>
                  <td>{m.model}</td>
                  <td className="num">{formatCount(m.calls)}</td>
                  <td className="num">{formatCount(m.promptTokens)}</td>
                  <td className="num">{formatCount(m.completionTokens)}</td>
                  <td className="num">{formatCount(m.cachedTokens)}</td>
                  <td className="num">{usd(m.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="dash-workflows">
        <h2 id="dash-workflows">Workflows by tokens</h2>
        {stats.workflows.length === 0 ? (
          <p className="muted">No workflow's runs used tokens.</p>
        ) : (
          <table className="table" data-testid="workflows-table">
            <thead>
              <tr>
                <th scope="col">workflow</th>
                <th scope="col">runs</th>
                <th scope="col">tokens</th>
                <th scope="col">cost</th>
              </tr>
            </thead>
            <tbody>
              {stats.workflows.map((w) => (
                <tr key={w.workflowId} data-workflow={w.workflowId}>
                  <td>
                    <Link to={{ page: "builder", workflowId: w.workflowId, version: null }}>
                      {w.name ?? w.workflowId}
                    </Link>
                  </td>
                  <td className="num">{formatCount(w.runs)}</td>
                  <td className="num">{formatCount(w.tokens)}</td>
                  <td className="num">{usd(w.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
