import { formatDuration, formatJson, formatTime } from "../ui/format";
import { StatusBadge } from "../ui/StatusBadge";
import { durationMs, type LiveNode } from "./run-state";

/** One node of a run: status, attempt, timing, port taken, error, output. */
export function NodePanel({
  node,
  canReplay,
  onReplay,
  replaying,
}: {
  node: LiveNode;
  canReplay: boolean;
  onReplay(): void;
  replaying: boolean;
}) {
  return (
    <section className="node-panel" aria-label={`Node ${node.id}`} data-testid="node-panel">
      <header className="inspector-head">
        <h2>
          <code>{node.id}</code> <span className="muted">{node.type}</span>
        </h2>
        <StatusBadge status={node.status} />
      </header>
      <dl className="facts">
        <dt>Attempt</dt>
        <dd>{node.attempt || "–"}</dd>
        <dt>Started</dt>
        <dd>{formatTime(node.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{formatTime(node.finishedAt)}</dd>
        <dt>Duration</dt>
        <dd>{formatDuration(durationMs(node, Date.now()))}</dd>
        {node.port && (
          <>
            <dt>Port</dt>
            <dd>{node.port}</dd>
          </>
        )}
        {node.progress && (
          <>
            <dt>Items</dt>
            <dd>
              {node.progress.done} of {node.progress.total}
            </dd>
          </>
        )}
      </dl>
      {node.omit && (
        <div className="note" data-testid="node-omit">
          <strong>Not run: {node.omit.reason}</strong>
          <div className="muted">optimiser pass {node.omit.pass}</div>
        </div>
      )}
      {node.fusedInto && (
        <p className="muted">
          Ran in one step with <code>{node.fusedInto}</code> (fused transforms).
        </p>
      )}
      {node.error && (
        <div className="note note-error">
          <strong>{node.error.code}</strong>
          <div>{node.error.message}</div>
          {node.error.retryable !== undefined && (
            <div className="muted">{node.error.retryable ? "retryable" : "not retryable"}</div>
          )}
        </div>
      )}
      <h3>Output</h3>
      {node.output !== undefined ? (
        <pre className="json" data-testid="node-output">
          {formatJson(node.output)}
        </pre>
      ) : node.outputHash ? (
        <p className="muted">
          Too large to show inline (stored as <code>{node.outputHash.slice(0, 12)}…</code>).
        </p>
      ) : (
        <p className="muted">{node.status === "succeeded" ? "Loading…" : "No output yet."}</p>
      )}
      {canReplay && (
        <button type="button" onClick={onReplay} disabled={replaying}>
          {replaying ? "Starting replay…" : "Replay from this node"}
        </button>
      )}
    </section>
  );
}
