import { kindOf } from "../../../core/kinds";
import type { RunPatch } from "../api/types";
import { formatDuration, formatJson, formatTime } from "../ui/format";
import { Link } from "../ui/Link";
import { StatusBadge } from "../ui/StatusBadge";
import { type Attempt, formatTokens } from "./attempts";
import { NodeOutput } from "./NodeOutput";
import { PatchSource } from "./PatchSource";
import { durationMs, type LiveNode, type LiveText } from "./run-state";
import { UsageFacts } from "./UsageFacts";
import { WaitPanel } from "./WaitPanel";

/**
 * One node of a run: where it came from (the patch that added it), status, attempt, timing,
 * port, an agent's usage and its answer streaming in, every attempt, error, config and output
 * (inline with a download, or previewed from the blob store; docs/UI.md).
 */
export function NodePanel({
  runId,
  node,
  config,
  attempts,
  patches,
  stream,
  canReplay,
  onReplay,
  replaying,
  onSelectNode,
  onShowPatches,
}: {
  runId: string;
  node: LiveNode;
  /** The node's config as the graph defines it (templates not resolved). */
  config: Record<string, unknown> | undefined;
  attempts: Attempt[];
  patches: readonly RunPatch[];
  stream: LiveText | undefined;
  canReplay: boolean;
  onReplay(): void;
  replaying: boolean;
  onSelectNode(id: string): void;
  onShowPatches(): void;
}) {
  const addedBy =
    node.addedBy === undefined ? undefined : patches.find((p) => p.id === node.addedBy);
  const changedBy = patches.filter(
    (p) =>
      p.status === "applied" && p.ops.some((op) => op.op === "update_node" && op.id === node.id),
  );
  const finished = node.status === "succeeded" || node.status === "failed";
  const streaming = stream && !finished && stream.attempt >= node.attempt ? stream : undefined;
  return (
    <section className="node-panel" aria-label={`Node ${node.id}`} data-testid="node-panel">
      <header className="inspector-head">
        <h2>
          <code>{node.id}</code> <span className="muted">{node.type}</span>
        </h2>
        <StatusBadge status={node.status} />
      </header>
      {addedBy && (
        <div className="note note-patch" data-testid="node-provenance">
          <strong>Added by patch {addedBy.id}</strong>, proposed by{" "}
          <PatchSource source={addedBy.source} onSelectNode={onSelectNode} />
          {addedBy.reason && <div className="patch-reason">“{addedBy.reason}”</div>}
          <button type="button" className="linkish" onClick={onShowPatches}>
            Show the patch
          </button>
        </div>
      )}
      {changedBy.length > 0 && (
        <div className="note note-patch">
          Changed by patch{changedBy.length > 1 ? "es" : ""} {changedBy.map((p) => p.id).join(", ")}{" "}
          before it started.{" "}
          <button type="button" className="linkish" onClick={onShowPatches}>
            Show patches
          </button>
        </div>
      )}
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
        {node.childRunId && (
          <>
            <dt>Child run</dt>
            <dd>
              <Link to={{ page: "run", runId: node.childRunId }}>{node.childRunId}</Link>
            </dd>
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
      {node.status === "waiting" && node.waitingFor && (
        <WaitPanel runId={runId} nodeId={node.id} wait={node.waitingFor} />
      )}
      {node.usage ? (
        <>
          <h3>Model usage</h3>
          <UsageFacts usage={node.usage} testId="node-usage" />
        </>
      ) : (
        kindOf(node.type)?.traits.model && (
          <p className="muted">No model usage yet: it is counted when an attempt ends.</p>
        )
      )}
      {streaming && (
        <>
          <h3>Answer so far</h3>
          <p className="muted">
            Streaming from attempt {streaming.attempt}
            {streaming.dropped > 0 && ` (first ${streaming.dropped} characters not shown)`}.
          </p>
          <pre className="json live-text" data-testid="node-stream">
            {streaming.text}
          </pre>
        </>
      )}
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
      {attempts.length > 0 && <Attempts attempts={attempts} />}
      {node.input !== undefined && (
        <>
          <h3>Resolved input</h3>
          <p className="muted">
            What attempt {node.attempt} was sent, templates resolved. Secrets show as their
            reference, never their value.
          </p>
          <pre className="json" data-testid="node-input">
            {formatJson(node.input)}
          </pre>
        </>
      )}
      {config && Object.keys(config).length > 0 && (
        <details className="node-config">
          <summary>Config</summary>
          <p className="muted">
            As the graph defines it
            {node.input === undefined
              ? "; templates are resolved when the node runs (kept for http and agent nodes)."
              : "."}
          </p>
          <pre className="json">{formatJson(config)}</pre>
        </details>
      )}
      <h3>Output</h3>
      <NodeOutput node={node} />
      {canReplay && (
        <button type="button" onClick={onReplay} disabled={replaying}>
          {replaying ? "Starting replay…" : "Replay from this node"}
        </button>
      )}
    </section>
  );
}

/** Every attempt of the node, oldest first, from the run's events. */
function Attempts({ attempts }: { attempts: Attempt[] }) {
  return (
    <>
      <h3>Attempts</h3>
      <table className="attempts" data-testid="node-attempts">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Took</th>
            <th scope="col">Tokens</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((a) => (
            <AttemptRow key={a.attempt} attempt={a} />
          ))}
        </tbody>
      </table>
    </>
  );
}

function AttemptRow({ attempt: a }: { attempt: Attempt }) {
  const started = a.startedAt ?? a.queuedAt;
  return (
    <>
      <tr data-attempt={a.attempt}>
        <td>{a.attempt}</td>
        <td>
          <StatusBadge status={a.status} />
          {a.waitingFor && <span className="muted"> {a.waitingFor}</span>}
          {a.delivery && (
            <span
              className="muted"
              title={
                a.delivery === "eager"
                  ? "The runner took this job straight from its run's answer (eager dispatch)"
                  : "Delivered to the runner by a queue message"
              }
            >
              {a.delivery === "eager" ? " · eager" : " · via queue"}
            </span>
          )}
        </td>
        <td>{started === undefined ? "–" : new Date(started).toLocaleTimeString()}</td>
        <td>{formatDuration(a.durationMs)}</td>
        <td>{a.usage ? formatTokens(a.usage) : "–"}</td>
      </tr>
      {(a.error || a.retryAt !== undefined) && (
        <tr className="attempt-error">
          <td />
          <td colSpan={4}>
            {a.error && (
              <>
                <strong>{a.error.code}</strong>: {a.error.message}
              </>
            )}
            {a.retryAt !== undefined && (
              <span className="muted"> · retry at {new Date(a.retryAt).toLocaleTimeString()}</span>
            )}
          </td>
        </tr>
      )}
    </>
  );
}
