import { useEffect, useState } from "react";
import { call, describeError } from "../api/client";
import { useSession } from "../api/session";
import type { RunDiff, RunDiffNode } from "../api/types";
import { formatCost } from "../runs/attempts";
import { formatDuration, formatTime } from "../ui/format";
import { Link } from "../ui/Link";
import { ErrorNote, Loading } from "../ui/notes";
import { PageHead } from "../ui/PageHead";
import { StatusBadge } from "../ui/StatusBadge";
import { formatDelta } from "./json-diff";
import { NodeDifference } from "./NodeDifference";
import "./compare.css";

/** Nodes read per page of the comparison. */
const PAGE = 200;

/** What a difference is called in a row. */
const WORDS: Record<RunDiffNode["differences"][number], string> = {
  status: "status",
  output: "output",
  only_a: "only in A",
  only_b: "only in B",
};

interface Loaded {
  head: RunDiff;
  rows: RunDiffNode[];
  cursor: string | null;
}

/**
 * Two runs side by side, node by node in the graph's order (`GET /api/runs/:a/diff/:b`, paged):
 * status, output (the same by hash, or a JSON diff of the two), duration, tokens and cost, with
 * the first node where they diverge marked and opened. A replay's page links here to compare it
 * with its source; the run list compares two runs picked there.
 */
export function ComparePage({ a, b }: { a: string; b: string }) {
  const { client } = useSession();
  const [only, setOnly] = useState(false);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  // The first divergence's row when it is not on a page read yet (a big run).
  const [firstRow, setFirstRow] = useState<RunDiffNode | null>(null);

  useEffect(() => {
    let live = true;
    setBusy(true);
    setError(null);
    const query = { limit: String(PAGE), ...(only ? { only: "different" as const } : {}) };
    call(client.api.runs[":a"].diff[":b"].$get({ param: { a, b }, query })).then(
      async (head) => {
        if (!live) return;
        setLoaded({ head, rows: head.nodes, cursor: head.nextCursor });
        setBusy(false);
        const first = head.firstDivergence;
        if (!first) return;
        setOpen((s) => new Set(s).add(first.nodeId));
        if (head.nodes.some((n) => n.id === first.nodeId)) {
          setFirstRow(null);
          return;
        }
        const one = await call(
          client.api.runs[":a"].diff[":b"].$get({
            param: { a, b },
            query: { nodeId: first.nodeId },
          }),
        );
        if (live) setFirstRow(one.nodes[0] ?? null);
      },
      (err: unknown) => {
        if (!live) return;
        setBusy(false);
        setError(describeError(err));
      },
    );
    return () => {
      live = false;
    };
  }, [client, a, b, only]);

  const more = async () => {
    if (!loaded?.cursor) return;
    setBusy(true);
    try {
      const query = {
        limit: String(PAGE),
        cursor: loaded.cursor,
        ...(only ? { only: "different" as const } : {}),
      };
      const next = await call(client.api.runs[":a"].diff[":b"].$get({ param: { a, b }, query }));
      setLoaded((l) => l && { ...l, rows: [...l.rows, ...next.nodes], cursor: next.nextCursor });
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  const toggle = (id: string) =>
    setOpen((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  if (error && !loaded) {
    return (
      <div className="page">
        <ErrorNote title={`Cannot compare ${a} with ${b}`}>{error}</ErrorNote>
      </div>
    );
  }
  if (!loaded) return <Loading what="the comparison" />;
  const { head, rows } = loaded;
  const first = head.firstDivergence;
  const { summary } = head;

  return (
    <div className="page compare-page">
      <PageHead title="Compare runs">
        <Link to={{ page: "compare", a: b, b: a }}>Swap A and B</Link>
      </PageHead>
      <table className="table cmp-runs" aria-label="The two runs">
        <thead>
          <tr>
            <th />
            <th>Run</th>
            <th>Workflow</th>
            <th>Status</th>
            <th>Started</th>
            <th>Took</th>
            <th>Tokens</th>
            <th>Cost</th>
          </tr>
        </thead>
        <tbody>
          {(["a", "b"] as const).map((side) => {
            const run = head[side];
            return (
              <tr key={side}>
                <th scope="row">{side.toUpperCase()}</th>
                <td>
                  <Link to={{ page: "run", runId: run.id }}>
                    <code>{run.id}</code>
                  </Link>
                  {run.replayOf && (
                    <span className="muted">
                      {" "}
                      replay of <code>{run.replayOf.sourceRunId}</code> from{" "}
                      <code>{run.replayOf.fromNode}</code>
                    </span>
                  )}
                </td>
                <td>
                  <Link to={{ page: "builder", workflowId: run.workflowId, version: run.version }}>
                    {run.workflowId} v{run.version}
                  </Link>
                </td>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td>{formatTime(run.createdAt)}</td>
                <td>{run.durationMs === null ? "–" : formatDuration(run.durationMs)}</td>
                <td>{run.tokens.toLocaleString("en-US")}</td>
                <td>{run.costUsd === null ? "unknown" : formatCost(run.costUsd)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p data-testid="compare-summary">
        {summary.nodes} nodes: {summary.same} the same, {summary.different} differ
        {summary.onlyA > 0 && `, ${summary.onlyA} only in A`}
        {summary.onlyB > 0 && `, ${summary.onlyB} only in B`}.
      </p>
      {first ? (
        <div className="note cmp-first-note" data-testid="first-divergence">
          <strong>First divergence:</strong> node <code>{first.nodeId}</code> (
          {first.differences.map((d) => WORDS[d]).join(", ")} differ
          {first.differences.length === 1 ? "s" : ""}): the first node, in the graph's order, where
          the runs went apart.
          {firstRow && (
            <NodeDifference a={a} b={b} node={firstRow} labels={[head.a.id, head.b.id]} />
          )}
        </div>
      ) : (
        <div className="note" data-testid="first-divergence">
          No divergence: every node has the same status and output in both runs.
        </div>
      )}
      <label className="cmp-only">
        <input type="checkbox" checked={only} onChange={(e) => setOnly(e.target.checked)} /> Only
        nodes that differ
      </label>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <table className="table cmp-nodes" aria-label="Nodes">
        <thead>
          <tr>
            <th>
              <span className="sr-only">Differs</span>
            </th>
            <th>Node</th>
            <th>Status A</th>
            <th>Status B</th>
            <th>Output</th>
            <th>Took A</th>
            <th>Took B</th>
            <th>Δ</th>
            <th>Tokens A / B</th>
            <th>Cost A / B</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((n) => {
            const isFirst = n.id === first?.nodeId;
            const differs = n.differences.length > 0;
            const expanded = open.has(n.id);
            return [
              <tr
                key={n.id}
                className={`cmp-row${differs ? " cmp-differs" : ""}${isFirst ? " cmp-first" : ""}`}
                data-testid={`cmp-row-${n.id}`}
                data-differs={differs ? n.differences.join(" ") : undefined}
                data-first-divergence={isFirst ? "true" : undefined}
              >
                <td className="cmp-mark">
                  {isFirst ? (
                    <span className="cmp-first-tag" title="The first divergence">
                      first divergence
                    </span>
                  ) : differs ? (
                    <>
                      <span aria-hidden="true">≠</span>
                      <span className="sr-only">
                        differs: {n.differences.map((d) => WORDS[d]).join(", ")}
                      </span>
                    </>
                  ) : null}
                </td>
                <td>
                  {differs ? (
                    <button
                      type="button"
                      className="linkish"
                      aria-expanded={expanded}
                      onClick={() => toggle(n.id)}
                    >
                      {n.id}
                    </button>
                  ) : (
                    <span>{n.id}</span>
                  )}{" "}
                  <span className="muted">{n.type}</span>
                </td>
                <td>
                  {n.a ? <StatusBadge status={n.a.status} /> : <span className="muted">none</span>}
                </td>
                <td>
                  {n.b ? <StatusBadge status={n.b.status} /> : <span className="muted">none</span>}
                </td>
                <td className={n.sameOutput ? "muted" : "cmp-output-differs"}>
                  {!n.a || !n.b
                    ? WORDS[n.a ? "only_a" : "only_b"]
                    : n.a.outputHash === null && n.b.outputHash === null
                      ? "–"
                      : n.sameOutput
                        ? "same"
                        : "differs"}
                </td>
                <td>{n.a?.durationMs == null ? "–" : formatDuration(n.a.durationMs)}</td>
                <td>{n.b?.durationMs == null ? "–" : formatDuration(n.b.durationMs)}</td>
                <td className="muted">{formatDelta(n.a?.durationMs, n.b?.durationMs)}</td>
                <td>
                  {n.a?.tokens ?? 0} / {n.b?.tokens ?? 0}
                </td>
                <td>
                  {cost(n.a?.costUsd)} / {cost(n.b?.costUsd)}
                </td>
              </tr>,
              expanded && differs ? (
                <tr key={`${n.id}:detail`} className="cmp-detail">
                  <td />
                  <td colSpan={9}>
                    <NodeDifference a={a} b={b} node={n} labels={[head.a.id, head.b.id]} />
                  </td>
                </tr>
              ) : null,
            ];
          })}
        </tbody>
      </table>
      {rows.length === 0 && <p className="muted">{only ? "No node differs." : "No nodes."}</p>}
      {loaded.cursor && (
        <button type="button" onClick={() => void more()} disabled={busy}>
          {busy ? "Loading…" : `Show more nodes (${PAGE} at a time)`}
        </button>
      )}
    </div>
  );
}

const cost = (usd: number | null | undefined) =>
  usd === undefined ? "–" : usd === null ? "?" : usd === 0 ? "$0" : formatCost(usd);
