import { useState } from "react";
import { everyPage } from "../../../core/wire/cursor";
import { call } from "../api/client";
import { useSession } from "../api/session";
import { formatTime } from "../ui/format";
import { Link } from "../ui/Link";
import { EmptyState, ErrorNote, Loading } from "../ui/notes";
import { useAsync } from "../ui/use-async";
import { DeleteWorkflowDialog } from "./DeleteWorkflowDialog";

/** The tenant's workflows, most recently changed first. */
export function WorkflowsPage() {
  const { client } = useSession();
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);
  const list = useAsync(
    async () =>
      everyPage(async (cursor) => {
        const query = { limit: "500", ...(cursor ? { cursor } : {}) };
        const page = await call(client.api.workflows.$get({ query }));
        return { items: page.workflows, nextCursor: page.nextCursor };
      }),
    [client],
  );
  return (
    <div className="page">
      <header className="page-head">
        <h1>Workflows</h1>
        <Link className="button primary" to={{ page: "builder", workflowId: null, version: null }}>
          New workflow
        </Link>
      </header>
      {list.error && (
        <ErrorNote title="Cannot list workflows">
          {list.error}.{" "}
          <button type="button" className="linkish" onClick={list.reload}>
            Try again
          </button>
        </ErrorNote>
      )}
      {list.state === "loading" && !list.data && <Loading what="workflows" />}
      {list.data && list.data.length === 0 && (
        <EmptyState title="No workflows yet">
          Press <em>New workflow</em> to build one on the canvas, or import a JSON definition from
          the builder's Import button.
        </EmptyState>
      )}
      {list.data && list.data.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Description</th>
              <th>Version</th>
              <th>Changed</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((w) => (
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
            ))}
          </tbody>
        </table>
      )}
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
