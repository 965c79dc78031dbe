import type { Usage } from "../../core/agents/usage";
import type { RunState } from "../../core/scheduler/state";
import type { ApprovalBook } from "./approvals";
import type { PatchBook } from "./patches";
import type { RunMeta, RunStore } from "./store";

const STATEMENTS_PER_BATCH = 200;

/**
 * Writes the run's queryable projection to D1: its status always; when it has ended, its output
 * hash, error and every node execution. Idempotent (upserts), so it can be repeated after a crash.
 */
export async function projectRun(
  db: D1Database,
  meta: RunMeta,
  state: RunState,
  store: RunStore,
  usage: { spent: Usage; of(nodeId: string, attempt: number): unknown },
): Promise<void> {
  const ended =
    state.status === "completed" || state.status === "failed" || state.status === "cancelled";
  const outputHash =
    ended && state.outputNode ? (store.outputHash(state.outputNode) ?? null) : null;
  const error = state.failure ? JSON.stringify(state.failure) : null;
  const statements: D1PreparedStatement[] = [
    db
      .prepare(
        `INSERT INTO runs (id, tenant_id, workflow_id, version, status, error, output_hash, created_at, finished_at, tokens, cost_usd)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, error = excluded.error,
           output_hash = excluded.output_hash, finished_at = excluded.finished_at,
           tokens = excluded.tokens, cost_usd = excluded.cost_usd`,
      )
      .bind(
        meta.runId,
        meta.tenantId,
        meta.workflowId,
        meta.version,
        state.status,
        error,
        outputHash,
        meta.createdAt,
        ended ? (state.finishedAt ?? Date.now()) : null,
        usage.spent.promptTokens + usage.spent.completionTokens,
        usage.spent.costUsd,
      ),
  ];
  if (ended) {
    for (const e of store.executions()) {
      statements.push(
        db
          .prepare(
            `INSERT INTO node_executions (run_id, node_id, iteration, attempt, type, status, started_at, finished_at, output_hash, error, usage)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (run_id, node_id, iteration, attempt) DO UPDATE SET status = excluded.status,
               finished_at = excluded.finished_at, output_hash = excluded.output_hash, error = excluded.error,
               usage = excluded.usage`,
          )
          .bind(
            meta.runId,
            e.node_id,
            e.iteration,
            e.attempt,
            e.type,
            e.status,
            e.started_at,
            e.finished_at,
            e.output_hash,
            e.error,
            jsonOrNull(usage.of(e.node_id, e.attempt)),
          ),
      );
    }
  }
  for (let i = 0; i < statements.length; i += STATEMENTS_PER_BATCH) {
    await db.batch(statements.slice(i, i + STATEMENTS_PER_BATCH));
  }
}

/** Upserts the D1 rows of the given approvals (`nodeId:attempt`), the inbox's source. */
export async function projectApprovals(
  db: D1Database,
  meta: RunMeta,
  book: ApprovalBook,
  keys: string[],
): Promise<void> {
  const statements = keys.flatMap((key) => {
    const sep = key.lastIndexOf(":");
    const request = book.get(key.slice(0, sep), Number(key.slice(sep + 1)));
    if (!request) return [];
    return [
      db
        .prepare(
          `INSERT INTO approvals (run_id, node_id, attempt, tenant_id, workflow_id, status, message, form, required, votes, created_at, expires_at, decided_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (run_id, node_id, attempt) DO UPDATE SET status = excluded.status,
             votes = excluded.votes, decided_at = excluded.decided_at`,
        )
        .bind(
          meta.runId,
          request.nodeId,
          request.attempt,
          meta.tenantId,
          meta.workflowId,
          request.status,
          request.message,
          request.form === undefined ? null : JSON.stringify(request.form),
          request.required,
          JSON.stringify(request.votes.map(({ data: _data, ...v }) => v)),
          request.createdAt,
          request.expiresAt ?? null,
          request.decidedAt ?? null,
        ),
    ];
  });
  for (let i = 0; i < statements.length; i += STATEMENTS_PER_BATCH) {
    await db.batch(statements.slice(i, i + STATEMENTS_PER_BATCH));
  }
}

/** Upserts the D1 rows of the given patches (provenance, for history and tenancy checks). */
export async function projectPatches(
  db: D1Database,
  meta: RunMeta,
  book: PatchBook,
  ids: number[],
): Promise<void> {
  const statements = ids.flatMap((id) => {
    const p = book.get(id);
    if (!p) return [];
    return [
      db
        .prepare(
          `INSERT INTO run_patches (run_id, id, tenant_id, source, ops, reason, status, problems, proposed_at, decided_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (run_id, id) DO UPDATE SET status = excluded.status,
             problems = excluded.problems, decided_at = excluded.decided_at`,
        )
        .bind(
          meta.runId,
          p.id,
          meta.tenantId,
          JSON.stringify(p.source),
          JSON.stringify(p.ops),
          p.reason ?? null,
          p.status,
          p.problems ? JSON.stringify(p.problems) : null,
          p.proposedAt,
          p.decidedAt ?? null,
        ),
    ];
  });
  for (let i = 0; i < statements.length; i += STATEMENTS_PER_BATCH) {
    await db.batch(statements.slice(i, i + STATEMENTS_PER_BATCH));
  }
}

function jsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}
