import { useState } from "react";
import { formatBytes } from "../../../core/limits/output";
import { call, describeError } from "../api/client";
import { useSession } from "../api/session";
import { Dialog } from "../ui/Dialog";
import { navigate } from "../use-route";

/**
 * Confirms deleting an ended run (docs/LIFECYCLE.md): its events, outputs and the blobs only it
 * holds go for good. On success it says what was freed, then leads to the run list.
 */
export function DeleteRunDialog({ runId, onClose }: { runId: string; onClose(): void }) {
  const { client } = useSession();
  const [state, setState] = useState<{ busy: boolean; error: string | null; done?: string }>({
    busy: false,
    error: null,
  });
  const confirm = async () => {
    setState({ busy: true, error: null });
    try {
      const freed = await call(client.api.runs[":id"].$delete({ param: { id: runId } }));
      setState({
        busy: false,
        error: null,
        done: `Deleted ${freed.rows} rows and ${freed.blobs} stored objects (${formatBytes(freed.bytes)}).`,
      });
    } catch (err) {
      setState({ busy: false, error: describeError(err) });
    }
  };
  const toRuns = () => navigate({ page: "runs", status: null, workflowId: null });
  if (state.done) {
    return (
      <Dialog title={`Run ${runId} deleted`} onClose={toRuns}>
        <p role="status">{state.done}</p>
        <div className="dialog-actions">
          <button type="button" className="primary" onClick={toRuns}>
            Go to the run list
          </button>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title={`Delete run ${runId}?`} onClose={onClose}>
      <p>
        Its event log, node outputs, approvals and patches are deleted, with every stored blob no
        other run holds. This cannot be undone.
      </p>
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
