import { useState } from "react";
import { call, describeError } from "../api/client";
import { useSession } from "../api/session";
import { Dialog } from "../ui/Dialog";

/**
 * Confirms deleting a workflow (docs/LIFECYCLE.md): alone, its runs stay; with its runs, the
 * sweep deletes them and everything they stored, 200 a minute. Says what happened, then closes.
 */
export function DeleteWorkflowDialog({
  workflow,
  onClose,
  onDeleted,
}: {
  workflow: { id: string; name: string };
  onClose(): void;
  onDeleted(): void;
}) {
  const { client } = useSession();
  const [withRuns, setWithRuns] = useState(false);
  const [state, setState] = useState<{ busy: boolean; error: string | null; done?: string }>({
    busy: false,
    error: null,
  });
  const confirm = async () => {
    setState({ busy: true, error: null });
    try {
      const res = await client.api.workflows[":id"].$delete({
        param: { id: workflow.id },
        query: { runs: withRuns ? "delete" : "keep" },
      });
      if (!res.ok) await call(Promise.resolve(res));
      const done =
        res.status === 202
          ? `Deleted. Its ${((await res.json()) as { runs: number }).runs} runs are being deleted, 200 a minute.`
          : "Deleted. Its runs stay in the run list.";
      setState({ busy: false, error: null, done });
      onDeleted();
    } catch (err) {
      setState({ busy: false, error: describeError(err) });
    }
  };
  if (state.done) {
    return (
      <Dialog title={`Workflow ${workflow.name} deleted`} onClose={onClose}>
        <p role="status">{state.done}</p>
        <div className="dialog-actions">
          <button type="button" className="primary" onClick={onClose}>
            Close
          </button>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title={`Delete workflow ${workflow.name}?`} onClose={onClose}>
      <p>It leaves the workflow list and can no longer be run. This cannot be undone.</p>
      <label className="checkbox">
        <input type="checkbox" checked={withRuns} onChange={(e) => setWithRuns(e.target.checked)} />{" "}
        Also delete its runs, their events, outputs and stored blobs
      </label>
      {state.error && (
        <div className="banner banner-error" role="alert">
          Not deleted: {state.error}
        </div>
      )}
      <div className="dialog-actions">
        <button type="button" onClick={onClose} disabled={state.busy}>
          Keep it
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => void confirm()}
          disabled={state.busy}
        >
          Delete for good
        </button>
      </div>
    </Dialog>
  );
}
