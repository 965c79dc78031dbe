import type { RunView } from "../api/schemas/run";

/** Failed nodes listed in a summary at most (a fan-out can fail thousands). */
const MAX_FAILED_NODES = 20;

/**
 * A run as a tool answers it: what a model needs to act (status, output, why it failed, what
 * it waits for), not every node. The full view is `GET /api/runs/{id}`.
 */
export function runSummary(run: RunView): Record<string, unknown> {
  const failed = run.nodes.filter((n) => n.status === "failed" && n.error);
  const pending = run.approvals.filter((a) => a.status === "pending");
  return {
    runId: run.id,
    workflowId: run.workflowId,
    version: run.version,
    status: run.status,
    ...(run.output !== undefined ? { output: run.output } : {}),
    ...(run.output === undefined && run.outputHash !== undefined
      ? {
          outputHash: run.outputHash,
          outputNote: `the output is ${run.outputBytes ?? "over 65536"} bytes: read it with GET /api/blobs/${run.outputHash}`,
        }
      : {}),
    ...(run.error ? { error: run.error } : {}),
    ...(failed.length > 0
      ? {
          failedNodes: failed.slice(0, MAX_FAILED_NODES).map((n) => ({
            nodeId: n.id,
            attempt: n.attempt,
            error: n.error,
          })),
          ...(failed.length > MAX_FAILED_NODES ? { failedNodesTotal: failed.length } : {}),
        }
      : {}),
    ...(pending.length > 0
      ? {
          pendingApprovals: pending.map((a) => ({
            nodeId: a.nodeId,
            attempt: a.attempt,
            message: a.message,
            required: a.required,
            votes: a.votes.length,
            ...(a.form ? { form: a.form } : {}),
          })),
        }
      : {}),
    ...(run.queue ? { queue: run.queue } : {}),
    createdAt: run.createdAt,
    ...(run.finishedAt !== undefined ? { finishedAt: run.finishedAt } : {}),
  };
}
