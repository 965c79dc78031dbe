import { useWorkflows } from "../api/use-workflows";
import { Link } from "../ui/Link";

/**
 * A subworkflow node's workflow, picked from the workspace's workflows by name (the config's
 * `workflow` field below takes an id or a name too), with a link to open it.
 */
export function CalledWorkflowField({
  nodeId,
  value,
  onChange,
}: {
  nodeId: string;
  value: unknown;
  onChange(name: string): void;
}) {
  const workflows = useWorkflows();
  const current = typeof value === "string" ? value : "";
  const found = (workflows.data ?? []).find((w) => w.name === current || w.id === current);
  const id = `called-${nodeId}`;
  return (
    <div className="field">
      <label htmlFor={id}>Workflow to run</label>
      <select id={id} value={found?.name ?? ""} onChange={(e) => onChange(e.target.value)}>
        <option value="" disabled>
          {workflows.state === "loading" ? "loading workflows…" : "pick a workflow"}
        </option>
        {(workflows.data ?? []).map((w) => (
          <option key={w.id} value={w.name}>
            {w.name}
          </option>
        ))}
      </select>
      {found ? (
        <p className="help">
          Runs{" "}
          <Link to={{ page: "builder", workflowId: found.id, version: null }}>{found.name}</Link> as
          a child run; its output is this node's output.
        </p>
      ) : (
        current && (
          <p className="help">
            No workflow named "{current}" here yet: the run fails at this node unless one exists
            when it starts.
          </p>
        )
      )}
    </div>
  );
}
