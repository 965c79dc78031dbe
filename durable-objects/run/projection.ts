import type { Usage } from "../../core/agents/usage";
import { kindTotals, type ModelUsage, modelTotals } from "../../core/metrics";
import type { RunState } from "../../core/scheduler/state";
import * as d1 from "../../db/projection";
import type { ApprovalBook } from "./approvals";
import type { ParentLink } from "./child-runs";
import type { PatchBook } from "./patches";
import type { RunMeta, RunStore } from "./store";

/**
 * Writes the run's queryable projection to D1: its status always; when it has ended, its output
 * hash, error, every node execution and what the run adds to the tenant's running totals
 * (counted once, however often the end is projected). Idempotent, so it can be repeated after a
 * crash.
 */
export async function projectRun(
  db: D1Database,
  run: {
    meta: RunMeta;
    state: RunState;
    store: RunStore;
    usage: {
      spent: Usage;
      of(nodeId: string, attempt: number): unknown;
      /** Every execution's usage, with its model. */
      all(): ModelUsage[];
    };
  },
): Promise<void> {
  const { meta, state, store, usage } = run;
  const ended =
    state.status === "completed" || state.status === "failed" || state.status === "cancelled";
  const outputHash =
    ended && state.outputNode ? (store.outputHash(state.outputNode) ?? null) : null;
  const executions = ended ? store.executions() : [];
  await d1.projectRun(db, {
    run: {
      id: meta.runId,
      tenantId: meta.tenantId,
      workflowId: meta.workflowId,
      version: meta.version,
      status: state.status,
      error: state.failure ? JSON.stringify(state.failure) : null,
      outputHash,
      createdAt: meta.createdAt,
      finishedAt: ended ? (state.finishedAt ?? Date.now()) : null,
      tokens: usage.spent.promptTokens + usage.spent.completionTokens,
      costUsd: usage.spent.costUsd,
      events: store.lastSeq(),
    },
    executions: executions.map((e) => ({
      nodeId: e.node_id,
      iteration: e.iteration,
      attempt: e.attempt,
      type: e.type,
      status: e.status,
      startedAt: e.started_at,
      finishedAt: e.finished_at,
      outputHash: e.output_hash,
      error: e.error,
      usage: jsonOrNull(usage.of(e.node_id, e.attempt)),
    })),
    ...(ended
      ? {
          totals: {
            nodes: kindTotals(
              executions.map((e) => ({
                nodeId: e.node_id,
                iteration: e.iteration,
                attempt: e.attempt,
                type: e.type,
                status: e.status,
                startedAt: e.started_at,
                finishedAt: e.finished_at,
              })),
            ),
            models: modelTotals(usage.all()),
          },
        }
      : {}),
  });
}

/** Upserts the D1 rows of the given approvals (`nodeId:attempt`), the inbox's source. */
export async function projectApprovals(
  db: D1Database,
  meta: RunMeta,
  book: ApprovalBook,
  keys: string[],
  parent: ParentLink | undefined,
): Promise<void> {
  const rows = keys.flatMap((key) => {
    const sep = key.lastIndexOf(":");
    const request = book.get(key.slice(0, sep), Number(key.slice(sep + 1)));
    if (!request) return [];
    return [
      {
        nodeId: request.nodeId,
        attempt: request.attempt,
        iteration: request.iteration ?? null,
        parentRunId: parent?.runId ?? null,
        parentNodeId: parent?.nodeId ?? null,
        parentItem: parent?.item?.index ?? null,
        status: request.status,
        message: request.message,
        form: request.form === undefined ? null : JSON.stringify(request.form),
        required: request.required,
        approvers: request.approvers === undefined ? null : JSON.stringify(request.approvers),
        rejectIf: request.rejectIf ?? null,
        votes: JSON.stringify(request.votes.map(({ data: _data, ...v }) => v)),
        createdAt: request.createdAt,
        expiresAt: request.expiresAt ?? null,
        decidedAt: request.decidedAt ?? null,
      },
    ];
  });
  await d1.projectApprovals(db, meta, rows);
}

/** Upserts the D1 rows of the given patches (provenance, for history and tenancy checks). */
export async function projectPatches(
  db: D1Database,
  meta: RunMeta,
  book: PatchBook,
  ids: number[],
): Promise<void> {
  const rows = ids.flatMap((id) => {
    const p = book.get(id);
    if (!p) return [];
    return [
      {
        id: p.id,
        source: JSON.stringify(p.source),
        ops: JSON.stringify(p.ops),
        reason: p.reason ?? null,
        status: p.status,
        problems: p.problems ? JSON.stringify(p.problems) : null,
        proposedAt: p.proposedAt,
        decidedAt: p.decidedAt ?? null,
      },
    ];
  });
  await d1.projectPatches(db, meta, rows);
}

function jsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
