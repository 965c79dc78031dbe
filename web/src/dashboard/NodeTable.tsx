import type { Stats } from "../api/types";
import { formatCount, formatDuration } from "../ui/format";
import { Link } from "../ui/Link";

type NodeStat = Stats["nodes"]["slowest"][number];

/** A top list of nodes (the slowest by p95, or the most failing), with the figures that rank it. */
export function NodeTable({
  title,
  testId,
  nodes,
  by,
  capped,
}: {
  title: string;
  testId: string;
  nodes: NodeStat[];
  by: "p95" | "failures";
  capped: boolean;
}) {
  const id = `${testId}-title`;
  return (
    <section className="dash-nodes" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {capped && <p className="muted">Of the newest runs only (capped).</p>}
      {nodes.length === 0 ? (
        <p className="muted">{by === "failures" ? "No node failed." : "No node ran."}</p>
      ) : (
        <table className="table" data-testid={testId}>
          <thead>
            <tr>
              <th scope="col">workflow</th>
              <th scope="col">node</th>
              <th scope="col">kind</th>
              {by === "p95" ? (
                <>
                  <th scope="col">p95</th>
                  <th scope="col">mean</th>
                  <th scope="col">max</th>
                  <th scope="col">attempts</th>
                </>
              ) : (
                <>
                  <th scope="col">failures</th>
                  <th scope="col">executions</th>
                  <th scope="col">retries</th>
                  <th scope="col">p95</th>
                </>
              )}
            </tr>
          </thead>
          <tbody>
            {nodes.map((n) => (
              <tr key={`${n.workflowId}:${n.nodeId}`} data-node={n.nodeId}>
                <td>
                  <Link to={{ page: "builder", workflowId: n.workflowId, version: null }}>
                    {n.workflowName ?? n.workflowId}
                  </Link>
                </td>
                <td>
                  <code>{n.nodeId}</code>
                </td>
                <td>{n.kind}</td>
                {by === "p95" ? (
                  <>
                    <td className="num" data-col="p95">
                      {formatDuration(n.p95Ms ?? undefined)}
                    </td>
                    <td className="num">{formatDuration(n.meanMs ?? undefined)}</td>
                    <td className="num">{formatDuration(n.maxMs ?? undefined)}</td>
                    <td className="num">{formatCount(n.attempts)}</td>
                  </>
                ) : (
                  <>
                    <td className="num" data-col="failures">
                      {formatCount(n.failures)}
                    </td>
                    <td className="num">{formatCount(n.executions)}</td>
                    <td className="num" data-col="retries">
                      {formatCount(n.retries)}
                    </td>
                    <td className="num">{formatDuration(n.p95Ms ?? undefined)}</td>
                  </>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
