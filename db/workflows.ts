/**
 * D1 access for workflows and their versions (`workflows`, `workflow_versions`). Every read is
 * scoped by tenant except where the caller has already found the workflow in its tenant.
 * A definition over one D1 value (2 MB; a 25,000-node workflow is 2-4 MB) is stored in pieces
 * (`workflow_version_pieces`) in the same batch as its version row, and read back whole: no
 * caller sees the pieces.
 */
import { and, asc, desc, eq, isNotNull, isNull, lt, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { textPieces } from "../core/limits/pieces";
import { workflows, workflowVersionPieces, workflowVersions } from "./schema";

export type WorkflowRow = typeof workflows.$inferSelect;
/** A stored version; `definition` is the whole JSON, however it was stored. */
export type WorkflowVersionRow = Omit<typeof workflowVersions.$inferSelect, "pieces">;

/** A tenant's workflow, unless it does not exist there or was deleted. */
export async function findWorkflow(
  db: D1Database,
  tenantId: string,
  id: string,
): Promise<WorkflowRow | undefined> {
  return drizzle(db)
    .select()
    .from(workflows)
    .where(and(eq(workflows.id, id), eq(workflows.tenantId, tenantId), isNull(workflows.deletedAt)))
    .get();
}

/** One stored version of a workflow (found in its tenant first). */
export async function findVersion(
  db: D1Database,
  workflowId: string,
  version: number,
): Promise<WorkflowVersionRow | undefined> {
  const row = await drizzle(db)
    .select()
    .from(workflowVersions)
    .where(and(eq(workflowVersions.workflowId, workflowId), eq(workflowVersions.version, version)))
    .get();
  if (!row) return undefined;
  const { pieces: _, ...rest } = row;
  return { ...rest, definition: await wholeDefinition(db, row) };
}

/** The definition of a version row: its own text, or its pieces joined. */
async function wholeDefinition(
  db: D1Database,
  row: { workflowId: string; version: number; definition: string; pieces: number },
): Promise<string> {
  if (row.pieces === 0) return row.definition;
  const rows = await drizzle(db)
    .select({ text: workflowVersionPieces.text })
    .from(workflowVersionPieces)
    .where(
      and(
        eq(workflowVersionPieces.workflowId, row.workflowId),
        eq(workflowVersionPieces.version, row.version),
      ),
    )
    .orderBy(asc(workflowVersionPieces.i))
    .all();
  if (rows.length !== row.pieces) {
    throw new Error(
      `version ${row.version} of workflow ${row.workflowId} has ${rows.length} of its ${row.pieces} pieces`,
    );
  }
  return rows.map((r) => r.text).join("");
}

/**
 * The inserts that store one version: the row, and when the definition is over one value its
 * pieces (the row's `definition` then ""). The row goes first, so a version number another save
 * took refuses the batch before any piece is written.
 */
function versionInserts(
  orm: ReturnType<typeof drizzle>,
  v: { workflowId: string; version: number; definition: string; createdAt: number },
) {
  const pieces = textPieces(v.definition);
  const whole = pieces.length <= 1;
  return [
    orm.insert(workflowVersions).values({
      ...v,
      definition: whole ? v.definition : "",
      pieces: whole ? 0 : pieces.length,
    }),
    ...(whole
      ? []
      : pieces.map((text, i) =>
          orm
            .insert(workflowVersionPieces)
            .values({ workflowId: v.workflowId, version: v.version, i, text }),
        )),
  ] as const;
}

/**
 * A tenant's live workflows, most recently changed first (then by id), `limit` rows after
 * `after` (the `[updatedAt, id]` of the previous page's last), or only those named `name`.
 */
export async function listWorkflows(
  db: D1Database,
  query: { tenantId: string; limit: number; name?: string; after?: readonly [number, string] },
): Promise<Omit<WorkflowRow, "tenantId" | "deletedAt" | "purgeAt" | "toolInputSchema">[]> {
  const filters: SQL[] = [eq(workflows.tenantId, query.tenantId), isNull(workflows.deletedAt)];
  if (query.name !== undefined) filters.push(eq(workflows.name, query.name));
  if (query.after) {
    filters.push(
      sql`(${workflows.updatedAt}, ${workflows.id}) < (${query.after[0]}, ${query.after[1]})`,
    );
  }
  return drizzle(db)
    .select({
      id: workflows.id,
      name: workflows.name,
      description: workflows.description,
      latestVersion: workflows.latestVersion,
      createdAt: workflows.createdAt,
      updatedAt: workflows.updatedAt,
    })
    .from(workflows)
    .where(and(...filters))
    .orderBy(desc(workflows.updatedAt), desc(workflows.id))
    .limit(query.limit)
    .all();
}

/**
 * A tenant's live workflows whose latest version is exposed as an MCP tool, oldest first (the
 * first to claim a tool name keeps it), at most `limit`.
 */
export async function listToolWorkflows(
  db: D1Database,
  tenantId: string,
  limit: number,
): Promise<{ id: string; name: string; description: string | null; inputSchema: string }[]> {
  const rows = await drizzle(db)
    .select({
      id: workflows.id,
      name: workflows.name,
      description: workflows.description,
      inputSchema: workflows.toolInputSchema,
    })
    .from(workflows)
    .where(
      and(
        eq(workflows.tenantId, tenantId),
        isNull(workflows.deletedAt),
        isNotNull(workflows.toolInputSchema),
      ),
    )
    .orderBy(asc(workflows.createdAt), asc(workflows.id))
    .limit(limit)
    .all();
  return rows.flatMap((r) =>
    r.inputSchema === null ? [] : [{ ...r, inputSchema: r.inputSchema }],
  );
}

/** A workflow's versions, newest first, `limit` after version `before` (found in its tenant first). */
export async function listVersions(
  db: D1Database,
  query: { workflowId: string; limit: number; before?: number },
): Promise<Pick<WorkflowVersionRow, "version" | "createdAt">[]> {
  const filters: SQL[] = [eq(workflowVersions.workflowId, query.workflowId)];
  if (query.before !== undefined) filters.push(lt(workflowVersions.version, query.before));
  return drizzle(db)
    .select({ version: workflowVersions.version, createdAt: workflowVersions.createdAt })
    .from(workflowVersions)
    .where(and(...filters))
    .orderBy(desc(workflowVersions.version))
    .limit(query.limit)
    .all();
}

/** What a saved version holds. */
export interface SavedVersion {
  name: string;
  description: string | null;
  /** The definition as JSON, stored only after it validated. */
  definition: string;
  /** Its arguments' JSON Schema as an MCP tool when it has `exposeAsTool`, as JSON; else null. */
  toolInputSchema: string | null;
  now: number;
}

/** Creates a workflow with its version 1, in one batch. */
export async function createWorkflow(
  db: D1Database,
  workflow: SavedVersion & { id: string; tenantId: string },
): Promise<void> {
  const orm = drizzle(db);
  await orm.batch([
    orm.insert(workflows).values({
      id: workflow.id,
      tenantId: workflow.tenantId,
      name: workflow.name,
      description: workflow.description,
      toolInputSchema: workflow.toolInputSchema,
      latestVersion: 1,
      createdAt: workflow.now,
      updatedAt: workflow.now,
    }),
    ...versionInserts(orm, {
      workflowId: workflow.id,
      version: 1,
      definition: workflow.definition,
      createdAt: workflow.now,
    }),
  ]);
}

/**
 * Adds version `previous + 1` and makes it the latest, in one batch. Returns `"conflict"` when
 * another save took that version number first (the primary key refuses the second).
 */
export async function addVersion(
  db: D1Database,
  saved: SavedVersion & { workflowId: string; previous: number },
): Promise<"saved" | "conflict"> {
  const orm = drizzle(db);
  const version = saved.previous + 1;
  try {
    await orm.batch([
      ...versionInserts(orm, {
        workflowId: saved.workflowId,
        version,
        definition: saved.definition,
        createdAt: saved.now,
      }),
      orm
        .update(workflows)
        .set({
          latestVersion: version,
          name: saved.name,
          description: saved.description,
          toolInputSchema: saved.toolInputSchema,
          updatedAt: saved.now,
        })
        .where(
          and(eq(workflows.id, saved.workflowId), eq(workflows.latestVersion, saved.previous)),
        ),
    ]);
  } catch (err) {
    if (String(err).includes("UNIQUE")) return "conflict";
    throw err;
  }
  return "saved";
}

/** Soft-deletes a workflow (found in its tenant first): its versions and runs stay. */
export async function deleteWorkflow(db: D1Database, id: string, now: number): Promise<void> {
  await drizzle(db).update(workflows).set({ deletedAt: now }).where(eq(workflows.id, id));
}

/** A tenant's live workflow with its latest version's definition (JSON), for a scheduled start. */
export async function findLatestDefinition(
  db: D1Database,
  tenantId: string,
  workflowId: string,
): Promise<{ latestVersion: number; definition: string } | undefined> {
  const row = await drizzle(db)
    .select({
      latestVersion: workflows.latestVersion,
      definition: workflowVersions.definition,
      pieces: workflowVersions.pieces,
    })
    .from(workflows)
    .innerJoin(
      workflowVersions,
      and(
        eq(workflowVersions.workflowId, workflows.id),
        eq(workflowVersions.version, workflows.latestVersion),
      ),
    )
    .where(
      and(
        eq(workflows.id, workflowId),
        eq(workflows.tenantId, tenantId),
        isNull(workflows.deletedAt),
      ),
    )
    .get();
  if (!row) return undefined;
  const { latestVersion } = row;
  return {
    latestVersion,
    definition: await wholeDefinition(db, { workflowId, version: latestVersion, ...row }),
  };
}
