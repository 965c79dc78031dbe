import type { RunPatch } from "../api/types";
import { formatTime } from "../ui/format";
import { EmptyState } from "../ui/notes";
import { StatusBadge } from "../ui/StatusBadge";
import { PatchSource } from "./PatchSource";
import { describeOp } from "./patched-graph";

/**
 * Every patch proposed to the run, in order, with its provenance: who proposed it (agent node
 * and attempt, or a person), why, when, what it does, and for a rejected one, every problem.
 */
export function PatchList({
  patches,
  onSelectNode,
  skipped,
}: {
  patches: readonly RunPatch[];
  onSelectNode(id: string): void;
  /** Ops of applied patches the graph shown could not replay (see `patchedGraph`). */
  skipped: readonly { patch: number; op: number; why: string }[];
}) {
  if (patches.length === 0) {
    return (
      <EmptyState title="No patches">
        An <em>Agent</em> node given the <code>patch_workflow</code> tool can add nodes and edges to
        a run while it goes; a person can propose one with <em>Propose patch</em> (or{" "}
        <code>POST /api/runs/:id/patches</code>) while the run is running or waiting. Patches are
        listed here and what they add is highlighted on the graph.
      </EmptyState>
    );
  }
  return (
    <ol className="patches" aria-label="Patches">
      {patches.map((p) => {
        const notShown = skipped.filter((s) => s.patch === p.id);
        return (
          <li
            key={p.id}
            className={`patch patch-${p.status}`}
            data-testid={`patch-${p.id}`}
            data-status={p.status}
          >
            <header className="patch-head">
              <h3>Patch {p.id}</h3>
              <StatusBadge status={p.status} />
            </header>
            <dl className="facts">
              <dt>By</dt>
              <dd>
                <PatchSource source={p.source} onSelectNode={onSelectNode} />
              </dd>
              <dt>Reason</dt>
              <dd className="patch-reason">
                {p.reason ?? <span className="muted">none given</span>}
              </dd>
              <dt>Proposed</dt>
              <dd>{formatTime(p.proposedAt)}</dd>
              {p.decidedAt !== undefined && (
                <>
                  <dt>{p.status === "rejected" ? "Rejected" : "Applied"}</dt>
                  <dd>{formatTime(p.decidedAt)}</dd>
                </>
              )}
            </dl>
            <ul className="patch-ops" aria-label={`Changes of patch ${p.id}`}>
              {p.ops.map((op, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: ops are fixed once proposed; their index is their identity.
                <li key={i}>
                  {describeOp(op)}
                  {op.op === "add_node" && p.status === "applied" && (
                    <>
                      {" "}
                      <button
                        type="button"
                        className="linkish"
                        onClick={() => onSelectNode(op.node.id)}
                        aria-label={`Select node ${op.node.id}`}
                      >
                        select
                      </button>
                    </>
                  )}
                </li>
              ))}
            </ul>
            {p.problems && p.problems.length > 0 && (
              <div className="note note-error">
                <strong>Why it was rejected</strong>
                <ul>
                  {p.problems.map((problem, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: problems are fixed once recorded.
                    <li key={i}>
                      {problem.at && <code>{problem.at}</code>} {problem.message}{" "}
                      <span className="muted">({problem.code})</span>
                    </li>
                  ))}
                </ul>
              </div>
            )}
            {notShown.length > 0 && (
              <div className="note note-warn">
                Not drawn on this graph: {notShown.map((s) => s.why).join("; ")}. The workflow
                version shown may not be the one the run started from.
              </div>
            )}
          </li>
        );
      })}
    </ol>
  );
}
