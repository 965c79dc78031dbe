import { useState } from "react";
import { call } from "../api/client";
import { useSession } from "../api/session";
import { ConfirmDialog } from "../ui/ConfirmDialog";
import { DoneDialog } from "../ui/DoneDialog";

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
  const [done, setDone] = useState<string | null>(null);
  if (done) {
    return (
      <DoneDialog
        title={`Workflow ${workflow.name} deleted`}
        status={done}
        action="Close"
        onClose={onClose}
      />
    );
  }
  return (
    <ConfirmDialog
      title={`Delete workflow ${workflow.name}?`}
      keep="Keep it"
      confirm="Delete for good"
      failure="Not deleted"
      onClose={onClose}
      onConfirm={async () => {
        const res = await client.api.workflows[":id"].$delete({
          param: { id: workflow.id },
          query: { runs: withRuns ? "delete" : "keep" },
        });
        if (!res.ok) await call(Promise.resolve(res));
        setDone(
          res.status === 202
            ? `Deleted. Its ${((await res.json()) as { runs: number }).runs} runs are being deleted, 200 a minute.`
            : "Deleted. Its runs stay in the run list.",
        );
        onDeleted();
      }}
    >
      <p>It leaves the workflow list and can no longer be run. This cannot be undone.</p>
      <label className="checkbox">
        <input type="checkbox" checked={withRuns} onChange={(e) => setWithRuns(e.target.checked)} />{" "}
        Also delete its runs, their events, outputs and stored blobs
      </label>
    </ConfirmDialog>
  );
}
