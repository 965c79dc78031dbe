import { formatJson } from "../ui/format";
import { StatusBadge } from "../ui/StatusBadge";
import type { LiveRun } from "./run-state";

/** With no node selected: how many nodes are in each status, the run's error or its output. */
export function RunSummary({
  live,
  output,
  error,
  rewrites = [],
}: {
  live: LiveRun;
  output: unknown;
  error: { nodeId: string; code: string; message: string } | undefined;
  /** What the optimiser changed in this run's graph, and why. */
  rewrites?: readonly { pass: string; nodes: string[]; reason: string }[];
}) {
  const counts = new Map<string, number>();
  for (const n of Object.values(live.nodes)) counts.set(n.status, (counts.get(n.status) ?? 0) + 1);
  return (
    <div>
      <p className="muted">Select a node to see its status, output and error.</p>
      <ul className="counts">
        {[...counts].map(([status, n]) => (
          <li key={status}>
            <StatusBadge status={status} /> {n}
          </li>
        ))}
      </ul>
      {error && (
        <div className="note note-error">
          <strong>
            {error.nodeId}: {error.code}
          </strong>
          <div>{error.message}</div>
        </div>
      )}
      {rewrites.length > 0 && (
        <>
          <h3>Optimiser</h3>
          <ul className="rewrites" data-testid="rewrites">
            {rewrites.map((r, i) => (
              // Rewrites never change order within a run.
              // biome-ignore lint/suspicious/noArrayIndexKey: a rewrite has no id of its own
              <li key={i}>
                <code>{r.pass}</code> {r.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      {live.status === "completed" && (
        <>
          <h3>Run output</h3>
          <pre className="json" data-testid="run-output">
            {formatJson(output ?? null)}
          </pre>
        </>
      )}
    </div>
  );
}
