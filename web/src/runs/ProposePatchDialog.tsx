import { Fragment, useState } from "react";
import { ApiFailure, call, describeError } from "../api/client";
import { useSession } from "../api/session";
import { Dialog } from "../ui/Dialog";
import { type DraftNode, exampleOps, parseDraft } from "./patch-draft";

/** Why the last submission did not apply, as the form shows it. */
type Refusal =
  | { kind: "local"; message: string }
  | { kind: "issues"; title: string; issues: { at: string; code: string; message: string }[] }
  | { kind: "message"; title: string; message: string };

function refusalOf(err: unknown): Refusal {
  if (!(err instanceof ApiFailure))
    return { kind: "message", title: "Not sent", message: describeError(err) };
  const title =
    err.status === 422
      ? "Rejected by the run (recorded in the patch list): fix the patch and submit it again"
      : err.status === 400
        ? "The patch is malformed (nothing was recorded)"
        : err.status === 409
          ? "The run takes no more patches"
          : err.status === 403
            ? "This API key may not patch runs"
            : "Not sent";
  return err.issues.length > 0
    ? { kind: "issues", title, issues: err.issues }
    : { kind: "message", title, message: err.message };
}

/**
 * A person's patch to a live run: the ops as JSON (prefilled with an example that fits the
 * run), an optional reason, sent to `POST /api/runs/:id/patches`. A refusal stays in the form
 * with every problem's path; an applied patch closes it (the list and the graph follow from the
 * run's live events).
 */
export function ProposePatchDialog({
  runId,
  nodes,
  over,
  onApplied,
  onClose,
}: {
  runId: string;
  /** The run's graph as it is now, for the example and the list of nodes not started. */
  nodes: readonly DraftNode[];
  /** The run has ended meanwhile: nothing can be sent. */
  over: boolean;
  onApplied(): void;
  onClose(): void;
}) {
  const { client } = useSession();
  const [text, setText] = useState(() => JSON.stringify(exampleOps(nodes), null, 2));
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  /** The ops as sent were refused: marked until they are edited (the refusal stays in view). */
  const [invalid, setInvalid] = useState(false);
  const fresh = nodes.filter((n) => n.status === "pending").map((n) => n.id);

  const submit = async () => {
    const draft = parseDraft(text, reason);
    if (!draft.ok) {
      setRefusal({ kind: "local", message: draft.message });
      setInvalid(true);
      return;
    }
    setBusy(true);
    setRefusal(null);
    try {
      await call(client.api.runs[":id"].patches.$post({ param: { id: runId }, json: draft.patch }));
      onApplied();
    } catch (err) {
      const next = refusalOf(err);
      setRefusal(next);
      setInvalid(next.kind === "issues");
      setBusy(false);
    }
  };

  return (
    <Dialog title="Propose a patch" onClose={onClose} wide>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="field">
          <label htmlFor="patch-ops">Ops (JSON array)</label>
          <textarea
            id="patch-ops"
            className="mono"
            rows={14}
            value={text}
            spellCheck={false}
            aria-invalid={invalid}
            aria-describedby={refusal ? "patch-ops-help patch-ops-refusal" : "patch-ops-help"}
            onChange={(e) => {
              setText(e.target.value);
              setInvalid(false);
              if (refusal?.kind === "local") setRefusal(null);
            }}
          />
          <p className="help" id="patch-ops-help">
            <code>add_node</code>, <code>add_edge</code> (into a node that has not started),{" "}
            <code>remove_edge</code> (a pending edge), <code>update_node</code> (a node that has not
            started); see docs/API.md.{" "}
            {fresh.length > 0 ? (
              <>
                Not started yet:{" "}
                {fresh.map((id, i) => (
                  <Fragment key={id}>
                    {i > 0 && ", "}
                    <code>{id}</code>
                  </Fragment>
                ))}
              </>
            ) : (
              "Every node has started."
            )}
          </p>
        </div>
        <div className="field">
          <label htmlFor="patch-reason">Reason (optional)</label>
          <input
            id="patch-reason"
            type="text"
            maxLength={2000}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder="why the run needs this"
          />
        </div>
        {refusal && <RefusalNote refusal={refusal} />}
        {over && (
          <p className="field-error" role="status">
            The run has ended: it takes no more patches.
          </p>
        )}
        <footer className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || over}>
            {busy ? "Submitting…" : "Submit patch"}
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

function RefusalNote({ refusal }: { refusal: Refusal }) {
  if (refusal.kind === "local") {
    return (
      <p className="field-error" role="alert" id="patch-ops-refusal">
        {refusal.message}
      </p>
    );
  }
  return (
    <div
      className="note note-error"
      role="alert"
      id="patch-ops-refusal"
      data-testid="patch-refusal"
    >
      <strong>{refusal.title}</strong>
      {refusal.kind === "message" ? (
        <div>{refusal.message}</div>
      ) : (
        <ul>
          {refusal.issues.map((issue, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the server's list, fixed per answer.
            <li key={i} data-at={issue.at}>
              {issue.at && <code>{issue.at}</code>} {issue.message}{" "}
              <span className="muted">({issue.code})</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
