import type { RunPatch, RunUsage } from "../api/types";
import { formatJson } from "../ui/format";
import { StatusBadge } from "../ui/StatusBadge";
import type { LiveRun } from "./run-state";
import { UsageFacts } from "./UsageFacts";

/**
 * With no node selected: how many nodes are in each status, model usage and budget, what
 * patches did, the run's error or its output.
 */
export function RunSummary({
  live,
  output,
  error,
  usage,
  patches,
  onShowPatches,
  rewrites = [],
}: {
  live: LiveRun;
  output: unknown;
  error: { nodeId: string; code: string; message: string } | undefined;
  usage: RunUsage;
  patches: readonly RunPatch[];
  onShowPatches(): void;
  /** What the optimiser changed in this run's graph, and why. */
  rewrites?: readonly { pass: string; nodes: string[]; reason: string }[];
}) {
  const counts = new Map<string, number>();
  for (const n of Object.values(live.nodes)) counts.set(n.status, (counts.get(n.status) ?? 0) + 1);
  const applied = patches.filter((p) => p.status === "applied").length;
  const rejected = patches.filter((p) => p.status === "rejected").length;
  const added = Object.values(live.nodes).filter((n) => n.addedBy !== undefined).length;
  return (
    <div>
      <p className="muted">Select a node to see its status, attempts, usage, output and error.</p>
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
      {(usage.calls > 0 || usage.budget) && (
        <>
          <h3>Model usage</h3>
          <UsageFacts usage={usage} budget={usage.budget} testId="run-usage" />
        </>
      )}
      {patches.length > 0 && (
        <p data-testid="run-patches">
          {applied} patch{applied === 1 ? "" : "es"} applied
          {rejected > 0 && `, ${rejected} rejected`}; {added} node{added === 1 ? "" : "s"} added.{" "}
          <button type="button" className="linkish" onClick={onShowPatches}>
            Show patches
          </button>
        </p>
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
