/**
 * The RunObject's projection into D1: the rows of `runs`, `node_executions`, `approvals` and
 * `run_patches` that its run owns. Every write is an upsert, so a projection can be repeated
 * after a crash; statements go in batches of at most 200.
 */
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { bucketOf, DECISION_BOUNDS, type KindTotals, type ModelTotals } from "../core/metrics";
import { decisionIncrement, runEndIncrements } from "./metrics";
import { prepared } from "./prepared";
import { approvals, eventWaits, nodeExecutions, runPatches, runs } from "./schema";

const STATEMENTS_PER_BATCH = 200;

/**
 * The run's row as its object knows it; `trigger`, `held`, `deleting_at`, `gate` and `started_at`
 * are written by its start and the API, and
 * `archived_from` and `archived_at` an import's (workers/lifecycle/import-runs.ts).
 */
export type ProjectedRun = Required<
  Omit<
    typeof runs.$inferInsert,
    "trigger" | "held" | "deletingAt" | "archivedFrom" | "archivedAt" | "gate" | "startedAt"
  >
>;
export type ProjectedExecution = Omit<Required<typeof nodeExecutions.$inferInsert>, "runId">;
export type ProjectedApproval = Omit<
  Required<typeof approvals.$inferInsert>,
  "runId" | "tenantId" | "workflowId"
>;
export type ProjectedPatch = Omit<Required<typeof runPatches.$inferInsert>, "runId" | "tenantId">;

/** What an ended run adds to the running totals (core/metrics/run-totals.ts). */
export interface RunTotals {
  nodes: KindTotals[];
  models: ModelTotals[];
}

const ENDED = new Set(["completed", "failed", "cancelled"]);

/**
 * The run's row (always) and, once it has ended, every node execution; with `totals`, the first
 * projection of its end also adds them to the tenant's running totals (db/metrics.ts).
 */
export async function projectRun(
  db: D1Database,
  projection: { run: ProjectedRun; executions: ProjectedExecution[]; totals?: RunTotals },
): Promise<void> {
  const orm = drizzle(db);
  const { run, totals } = projection;
  // The increments and the run's upsert are one group: the upsert ends what they check.
  const first: D1PreparedStatement[] = [];
  if (totals && run.finishedAt !== null && ENDED.has(run.status)) {
    const ended = { ...run, status: run.status as "completed" | "failed" | "cancelled" };
    first.push(...runEndIncrements(db, ended, totals));
  }
  first.push(
    prepared(
      db,
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
    ),
  );
  const statements: (D1PreparedStatement | D1PreparedStatement[])[] = [first];
  for (const e of projection.executions) {
    statements.push(
      prepared(
        db,
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
      ),
    );
  }
  // An ended run waits for nothing: its registrations for events go (db/event-waits.ts).
  if (run.finishedAt !== null) {
    statements.push(prepared(db, orm.delete(eventWaits).where(eq(eventWaits.runId, run.id))));
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
    rows.map((a) => [
      // A decision counts once: while D1's row of the approval is not yet decided.
      ...(DECIDED.has(a.status) && a.decidedAt !== null
        ? [
            decisionIncrement(db, {
              runId: owner.runId,
              nodeId: a.nodeId,
              attempt: a.attempt,
              tenantId: owner.tenantId,
              decision: a.status as "approved" | "rejected" | "timeout",
              waitedMs: Math.max(0, a.decidedAt - a.createdAt),
              bucket: bucketOf(DECISION_BOUNDS, Math.max(0, a.decidedAt - a.createdAt) / 1000),
            }),
          ]
        : []),
      prepared(
        db,
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
    ]),
  );
}

const DECIDED = new Set(["approved", "rejected", "timeout"]);

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
      prepared(
        db,
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
    ),
  );
}

/**
 * Sends statements in batches of at most 200; a group (a counter's increment and the upsert its
 * guard reads) is never split across two batches, so it commits or fails as one.
 */
async function inBatches(
  db: D1Database,
  groups: (D1PreparedStatement | D1PreparedStatement[])[],
): Promise<void> {
  let batch: D1PreparedStatement[] = [];
  const send = async () => {
    const sending = batch;
    batch = [];
    if (sending.length > 0) await db.batch(sending);
  };
  for (const group of groups) {
    const items = Array.isArray(group) ? group : [group];
    if (batch.length + items.length > STATEMENTS_PER_BATCH) await send();
    batch.push(...items);
  }
  await send();
}
