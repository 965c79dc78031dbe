import { useState } from "react";
import { formatBytes } from "../../../core/limits/output";
import { call } from "../api/client";
import { useSession } from "../api/session";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { DoneDialog } from "../ui/DoneDialog";
import { navigate } from "../use-route";

/**
 * Confirms deleting an ended run (docs/LIFECYCLE.md): its events, outputs and the blobs only it
 * holds go for good. On success it says what was freed, then leads to the run list.
 */
export function DeleteRunDialog({ runId, onClose }: { runId: string; onClose(): void }) {
  const { client } = useSession();
  const [done, setDone] = useState<string | null>(null);
  const toRuns = () => navigate({ page: "runs", status: null, workflowId: null });
  if (done) {
    return (
      <DoneDialog
        title={`Run ${runId} deleted`}
        status={done}
        action="Go to the run list"
        onClose={toRuns}
      />
    );
  }
  return (
    <ConfirmDialog
      title={`Delete run ${runId}?`}
      keep="Keep it"
      confirm="Delete for good"
      failure="Not deleted"
      onClose={onClose}
      onConfirm={async () => {
        const freed = await call(client.api.runs[":id"].$delete({ param: { id: runId } }));
        setDone(
          `Deleted ${freed.rows} rows and ${freed.blobs} stored objects (${formatBytes(freed.bytes)}).`,
        );
      }}
    >
      <p>
        Its event log, node outputs, approvals and patches are deleted, with every stored blob no
        other run holds. This cannot be undone.
      </p>
    </ConfirmDialog>
  );
}
