/**
 * The RunObject's projection into D1: the rows of `runs`, `node_executions`, `approvals` and
 * `run_patches` that its run owns. Every write is an upsert, so a projection can be repeated
 * after a crash; statements go in batches of at most 200.
 */
import { eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { approvals, eventWaits, nodeExecutions, runPatches, runs } from "./schema";

const STATEMENTS_PER_BATCH = 200;

/**
 * The run's row as its object knows it; `trigger`, `held` and `deleting_at` are the API's, and
 * `archived_from` and `archived_at` an import's (workers/lifecycle/import-runs.ts).
 */
export type ProjectedRun = Required<
  Omit<
    typeof runs.$inferInsert,
    "trigger" | "held" | "deletingAt" | "archivedFrom" | "archivedAt" | "gate"
  >
>;
export type ProjectedExecution = Omit<Required<typeof nodeExecutions.$inferInsert>, "runId">;
export type ProjectedApproval = Omit<
  Required<typeof approvals.$inferInsert>,
  "runId" | "tenantId" | "workflowId"
>;
export type ProjectedPatch = Omit<Required<typeof runPatches.$inferInsert>, "runId" | "tenantId">;

/** The run's row (always) and, once it has ended, every node execution. */
export async function projectRun(
  db: D1Database,
  projection: { run: ProjectedRun; executions: ProjectedExecution[] },
): Promise<void> {
  const orm = drizzle(db);
  const { run } = projection;
  const statements: BatchItem<"sqlite">[] = [
    orm
      .insert(runs)
      .values(run)
      .onConflictDoUpdate({
        target: runs.id,
        set: {
          status: sql`excluded.status`,
          error: sql`excluded.error`,
          outputHash: sql`excluded.output_hash`,
          finishedAt: sql`excluded.finished_at`,
          tokens: sql`excluded.tokens`,
          costUsd: sql`excluded.cost_usd`,
          events: sql`excluded.events`,
        },
      }),
  ];
  for (const e of projection.executions) {
    statements.push(
      orm
        .insert(nodeExecutions)
        .values({ runId: run.id, ...e })
        .onConflictDoUpdate({
          target: [
            nodeExecutions.runId,
            nodeExecutions.nodeId,
            nodeExecutions.iteration,
            nodeExecutions.attempt,
          ],
          set: {
            status: sql`excluded.status`,
            finishedAt: sql`excluded.finished_at`,
            outputHash: sql`excluded.output_hash`,
            error: sql`excluded.error`,
            usage: sql`excluded.usage`,
          },
        }),
    );
  }
  // An ended run waits for nothing: its registrations for events go (db/event-waits.ts).
  if (run.finishedAt !== null) {
    statements.push(orm.delete(eventWaits).where(eq(eventWaits.runId, run.id)));
  }
  await inBatches(db, statements);
}

/** Which run a set of approval or patch rows belongs to. */
export interface RunOwner {
  runId: string;
  tenantId: string;
  workflowId: string;
}

/** Upserts a run's approvals (the inbox's source): status, votes, decision and escalation change. */
export async function projectApprovals(
  db: D1Database,
  owner: RunOwner,
  rows: ProjectedApproval[],
): Promise<void> {
  const orm = drizzle(db);
  await inBatches(
    db,
    rows.map((a) =>
      orm
        .insert(approvals)
        .values({
          ...a,
          runId: owner.runId,
          tenantId: owner.tenantId,
          workflowId: owner.workflowId,
        })
        .onConflictDoUpdate({
          target: [approvals.runId, approvals.nodeId, approvals.attempt],
          set: {
            status: sql`excluded.status`,
            votes: sql`excluded.votes`,
            decidedAt: sql`excluded.decided_at`,
            // An escalation widens who may decide and moves the expiry (docs/PEOPLE.md).
            approvers: sql`excluded.approvers`,
            expiresAt: sql`excluded.expires_at`,
          },
        }),
    ),
  );
}

/** Upserts a run's patches (provenance): status, problems and decision change. */
export async function projectPatches(
  db: D1Database,
  owner: Omit<RunOwner, "workflowId">,
  rows: ProjectedPatch[],
): Promise<void> {
  const orm = drizzle(db);
  await inBatches(
    db,
    rows.map((p) =>
      orm
        .insert(runPatches)
        .values({ ...p, runId: owner.runId, tenantId: owner.tenantId })
        .onConflictDoUpdate({
          target: [runPatches.runId, runPatches.id],
          set: {
            status: sql`excluded.status`,
            problems: sql`excluded.problems`,
            decidedAt: sql`excluded.decided_at`,
          },
        }),
    ),
  );
}

async function inBatches(db: D1Database, statements: BatchItem<"sqlite">[]): Promise<void> {
  const orm = drizzle(db);
  for (let i = 0; i < statements.length; i += STATEMENTS_PER_BATCH) {
    const [first, ...rest] = statements.slice(i, i + STATEMENTS_PER_BATCH);
    if (first) await orm.batch([first, ...rest]);
  }
}
