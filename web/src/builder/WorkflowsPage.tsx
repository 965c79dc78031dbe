import { useState } from "react";
import { useWorkflows } from "../api/use-workflows";
import { formatTime } from "../ui/format";
import { Link } from "../ui/Link";
import { PageHead } from "../ui/PageHead";
import { ResourceTable } from "../ui/ResourceTable";
import { DeleteWorkflowDialog } from "./DeleteWorkflowDialog";

/** The tenant's workflows, most recently changed first. */
export function WorkflowsPage() {
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);
  const list = useWorkflows();
  return (
    <div className="page">
      <PageHead title="Workflows">
        <Link className="button primary" to={{ page: "builder", workflowId: null, version: null }}>
          New workflow
        </Link>
      </PageHead>
      <ResourceTable
        list={list}
        what="workflows"
        failed="Cannot list workflows"
        retry={list.reload}
        empty={{
          title: "No workflows yet",
          children: (
            <>
              Press <em>New workflow</em> to build one on the canvas, or import a JSON definition
              from the builder's Import button.
            </>
          ),
        }}
        columns={["Name", "Description", "Version", "Changed"]}
        actions
        row={(w) => (
          <tr key={w.id}>
            <td>
              <Link to={{ page: "builder", workflowId: w.id, version: null }}>{w.name}</Link>
            </td>
            <td className="muted">{w.description}</td>
            <td>v{w.latestVersion}</td>
            <td>{formatTime(w.updatedAt)}</td>
            <td>
              <Link to={{ page: "runs", status: null, workflowId: w.id }}>Runs</Link>{" "}
              <button
                type="button"
                className="linkish"
                aria-label={`Delete ${w.name}`}
                onClick={() => setDeleting({ id: w.id, name: w.name })}
              >
                Delete
              </button>
            </td>
          </tr>
        )}
      />
      {deleting && (
        <DeleteWorkflowDialog
          workflow={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={list.reload}
        />
      )}
    </div>
  );
}
