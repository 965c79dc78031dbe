import { useState } from "react";
import { call, describeError } from "../api/client";
import { useSession } from "../api/session";
import { formatTime } from "../ui/format";
import "./approval-card.css";

export interface EventWaitView {
  event: string;
  key: string | null;
  expiresAt: number | null;
  url: string | null;
}

/**
 * A wait node waiting for an event (docs/COMPOSITION.md): what it waits for, its single-use
 * signed URL, and a form that sends the event to this run (`POST /api/events`). The run's live
 * view shows what the event caused.
 */
export function WaitPanel({
  runId,
  nodeId,
  wait,
}: {
  runId: string;
  nodeId: string;
  wait: EventWaitView;
}) {
  const { client } = useSession();
  const [text, setText] = useState("{}");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<string | null>(null);
  const url = wait.url === null ? null : new URL(wait.url, window.location.origin).href;
  const prefix = `wait-${runId}-${nodeId}`;

  const send = async () => {
    setError(null);
    setSent(null);
    let data: unknown;
    try {
      data = text.trim() === "" ? null : (JSON.parse(text) as unknown);
    } catch (err) {
      setError(`The data is not valid JSON: ${(err as Error).message}. Nothing was sent.`);
      return;
    }
    setBusy(true);
    try {
      const json = {
        name: wait.event,
        runId,
        data,
        ...(wait.key === null ? {} : { key: wait.key }),
      };
      const answer = await call(client.api.events.$post({ json }));
      setSent(
        answer.delivered.some((d) => d.nodeId === nodeId)
          ? "Sent: the node took the event."
          : answer.kept
            ? "Sent: the run keeps the event for a wait that has not opened yet."
            : "Sent, but no wait of this run took it.",
      );
    } catch (err) {
      setError(`Not sent: ${describeError(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="approval" aria-label={`Wait ${nodeId}`} data-testid={`wait-${nodeId}`}>
      <h3>
        Waiting for event <code>{wait.event}</code>
      </h3>
      <dl className="facts">
        <dt>Key</dt>
        <dd>{wait.key === null ? "any key" : <code>{wait.key}</code>}</dd>
        <dt>Times out</dt>
        <dd>{wait.expiresAt === null ? "no timeout" : formatTime(wait.expiresAt)}</dd>
        {url && (
          <>
            <dt>Signed URL</dt>
            <dd>
              <code className="wait-url" data-testid="wait-url">
                {url}
              </code>{" "}
              <button
                type="button"
                className="linkish"
                onClick={() => void navigator.clipboard?.writeText(url)}
              >
                Copy
              </button>
            </dd>
          </>
        )}
      </dl>
      {url && (
        <p className="muted">
          A system that can only call a URL completes the wait with <code>POST</code> to it and the
          event's data as a JSON body, once, without an API key.
        </p>
      )}
      <div className="field">
        <label htmlFor={`${prefix}-data`}>Event data (JSON)</label>
        <textarea
          id={`${prefix}-data`}
          className="mono"
          rows={3}
          value={text}
          spellCheck={false}
          aria-invalid={error !== null}
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {sent && <p className="muted">{sent}</p>}
      <div className="approval-actions">
        <button type="button" className="primary" disabled={busy} onClick={() => void send()}>
          Send event
        </button>
      </div>
    </section>
  );
}
